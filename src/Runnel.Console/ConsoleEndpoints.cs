using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Runnel.Broker;
using Runnel.WebConsole.Api;

namespace Runnel.WebConsole;

/// <summary>
/// The web console on an ASP.NET Core host: the pages under <c>/ui/</c> (embedded, <see cref="ConsoleAssets"/>),
/// <c>/</c> redirecting there, and the JSON endpoints under <c>/ui/api/</c> they call. No login: the HTTP listener is
/// bound to localhost by default, and the console acts with the console's own (anonymous) Kafka connection.
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>Maps the console for <paramref name="broker"/>; its clients close when the host stops.</summary>
    public static IEndpointRouteBuilder MapRunnelConsole(this IEndpointRouteBuilder app, RunnelBroker broker)
    {
        ArgumentNullException.ThrowIfNull(app);
        var backend = new ConsoleBackend(broker);
        var lifetime = app.ServiceProvider.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopped.Register(() => backend.DisposeAsync().AsTask().GetAwaiter().GetResult());
        var assets = new ConsoleAssets();
        app.MapGet("/", () => Results.Redirect("/ui/"));
        // Routing ignores a trailing slash, so "/ui" and "/ui/" both land here; only the first is redirected.
        app.MapGet("/ui/{**path}", (string? path, HttpContext context) => context.Request.Path.Value == "/ui" ? Results.Redirect("/ui/") : assets.Serve(path))
            .ExcludeFromDescription();
        var api = app.MapGroup("/ui/api");
        ClusterApi.Map(api, backend);
        TopicsApi.Map(api, backend);
        MessagesApi.Map(api, backend);
        TailApi.Map(api, backend, lifetime);
        GroupsApi.Map(api, backend);
        return app;
    }
}
