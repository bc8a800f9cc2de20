using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace Runnel.WebConsole;

/// <summary>
/// The console's static files, embedded in this assembly as <c>console/&lt;path&gt;</c> and read once: a request for
/// <c>/ui/&lt;path&gt;</c> gets the file with its content type, <c>/ui/</c> the index page. Nothing is read from disk.
/// </summary>
internal sealed class ConsoleAssets
{
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private readonly FrozenDictionary<string, (byte[] Body, string ContentType)> _files;

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        _files = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("console/", StringComparison.Ordinal))
            .ToFrozenDictionary(n => n["console/".Length..], n => (Read(assembly, n), ContentTypes.GetValueOrDefault(Path.GetExtension(n), "application/octet-stream")), StringComparer.Ordinal);
    }

    /// <summary>The embedded paths, e.g. <c>index.html</c>.</summary>
    public IEnumerable<string> Paths => _files.Keys;

    /// <summary>Serves <paramref name="path"/> (relative to /ui/; empty means the index page), or 404.</summary>
    public IResult Serve(string? path)
    {
        if (!_files.TryGetValue(string.IsNullOrEmpty(path) ? "index.html" : path, out var file))
            return Results.NotFound();
        return Results.Bytes(file.Body, file.ContentType);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
