using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Runnel.Broker;
using Runnel.SchemaRegistry.Http;
using Runnel.WebConsole;

namespace Runnel.Http;

/// <summary>
/// The one HTTP listener of a Runnel node, on Kestrel, at the URLs of <c>runnel.http.listeners</c> (none: not
/// started). It serves
/// <list type="bullet">
/// <item><c>/metrics</c>: the broker's meters and .NET's System.Runtime meter (CPU time, memory, GC, thread pool) in
/// the Prometheus text format, through OpenTelemetry's Prometheus exporter, collected afresh for every scrape;</item>
/// <item><c>/health</c>: 200 while the process serves HTTP at all;</item>
/// <item><c>/ready</c>: 200 while <see cref="RunnelBroker.IsReady"/>, else 503;</item>
/// <item><c>/ui/</c>: the web console (<see cref="ConsoleEndpoints"/>), and <c>/</c> redirecting there.</item>
/// <item>the Schema Registry's API at the root (<c>/subjects</c>, <c>/schemas</c>, <c>/config</c>, <c>/compatibility</c>,
/// <c>/mode</c>; Runnel.SchemaRegistry), stored in the cluster's <c>_schemas</c> topic.</item>
/// </list>
/// A component of the broker (<see cref="IBrokerComponent"/>): the composition root passes it to
/// <see cref="RunnelBroker.StartAsync(Broker.Configuration.BrokerConfig, IReadOnlyList{IBrokerComponent}, ILoggerFactory?, CancellationToken)"/>,
/// which starts it once the node serves and stops it first. The broker library does not reference ASP.NET Core.
/// </summary>
public sealed class RunnelHttpHost(ILoggerFactory? loggerFactory = null) : IBrokerComponent
{
    /// <summary>The config key naming the listener's URLs.</summary>
    public const string ListenersKey = "runnel.http.listeners";

    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Runnel.Http");
    private WebApplication? _app;
    private MeterProvider? _meters;

    /// <summary>The addresses Kestrel bound (ports resolved, so a port of 0 shows the one chosen); empty when off.</summary>
    public IReadOnlyList<string> Urls { get; private set; } = [];

    public async Task StartAsync(RunnelBroker broker, CancellationToken cancellationToken)
    {
        var urls = broker.Config.GetList(ListenersKey).Where(u => u.Length > 0).ToList();
        if (urls.Count == 0)
            return;
        var meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter([.. broker.MeterNames, "System.Runtime"])
            .AddPrometheusExporter(options =>
            {
                // Every scrape collects afresh: the exporter's default caches a scrape for 300 ms.
                options.ScrapeResponseCacheDurationMilliseconds = 0;
                // No otel_scope_name label: the broker's meter name carries an instance number.
                options.ScopeInfoEnabled = false;
            })
            .Build();
        _meters = meters;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls([.. urls]);
        builder.Services.AddSingleton(meters);
        builder.Services.AddSchemaRegistry(broker.BootstrapServers);
        var app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, context => context.Request.Path == "/metrics", null, null, null);
        app.MapGet("/health", () => Results.Text("OK\n"));
        app.MapSchemaRegistry();
        app.MapGet("/ready", () => broker.IsReady ? Results.Text("READY\n") : Results.Text("NOT READY\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapRunnelConsole(broker);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            meters.Dispose();
            _meters = null;
            throw;
        }
        _app = app;
        Urls = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
        _logger.LogInformation("HTTP listening on {Urls} (/metrics, /health, /ready, /ui/, schema registry)", string.Join(", ", Urls));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
        _meters?.Dispose();
        _meters = null;
    }
}
