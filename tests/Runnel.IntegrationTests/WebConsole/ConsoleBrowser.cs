using Microsoft.Playwright;

namespace Runnel.IntegrationTests.WebConsole;

/// <summary>
/// Headless Debian chromium (<c>/usr/bin/chromium</c>, installed by scripts/test.sh; Playwright never downloads a
/// browser here) shared by the console tests of one class. Each test opens its own page, which records console errors
/// and uncaught exceptions; screenshots go to one artifacts directory under the temp folder.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots are kept (printed by each test that writes one).</summary>
    public static string ArtifactsDir { get; } = Path.Combine(Path.GetTempPath(), "runnel-console-artifacts");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium (scripts/test.sh does)");
        Directory.CreateDirectory(ArtifactsDir);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Tests run as root in CI, where chromium's sandbox cannot start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A new page at <paramref name="baseAddress"/>'s console, collecting its console errors.</summary>
    public async Task<ConsolePage> OpenAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var console = new ConsolePage(context, page);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                console.Errors.Add($"console.error: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => console.Errors.Add($"uncaught: {error}");
        page.RequestFailed += (_, request) =>
        {
            // A live tail's stream is cut when the page leaves it; anything else failing is an error.
            if (!request.Url.EndsWith("/tail", StringComparison.Ordinal))
                console.Errors.Add($"request failed: {request.Url} {request.Failure}");
        };
        return console;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>One browser page on the console, with the errors it logged.</summary>
public sealed class ConsolePage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public List<string> Errors { get; } = [];

    /// <summary>Opens a console route (<c>#/topics</c>, …) and waits until the page has rendered it.</summary>
    public async Task GoAsync(string hash)
    {
        if (Page.Url.Contains("/ui/", StringComparison.Ordinal))
            await Page.EvaluateAsync("h => { location.hash = h; }", hash);
        else
            await Page.GotoAsync("/ui/" + hash);
        await Page.WaitForSelectorAsync($"main[data-loaded=\"{hash}\"]", new PageWaitForSelectorOptions { Timeout = 15_000 });
    }

    /// <summary>Saves a full-page screenshot in <see cref="ConsoleBrowser.ArtifactsDir"/> and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(ConsoleBrowser.ArtifactsDir, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>The cells of a table's body rows, by its data-testid.</summary>
    public async Task<List<string[]>> TableAsync(string testId)
    {
        var rows = await Page.EvalOnSelectorAllAsync<string[][]>($"[data-testid=\"{testId}\"] tbody tr",
            "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))");
        return [.. rows];
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
