namespace Runnel.Cli.Tests;

/// <summary>
/// The CLI talks to clusters through the client (whose connection settings, such as its security, are Runnel.Net's) and
/// hosts the broker, with its HTTP listener (Runnel.Http), only for `runnel server`.
/// </summary>
public class LayeringTests
{
    [Fact]
    public void The_cli_builds_on_the_client_the_broker_and_its_http_listener_only()
    {
        var runnel = typeof(CliApp).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Runnel.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Subset(new HashSet<string>(["Runnel.Broker", "Runnel.Client", "Runnel.Http", "Runnel.Net", "Runnel.Protocol"]), runnel.ToHashSet());
        Assert.Contains("Runnel.Client", runnel);
    }
}
