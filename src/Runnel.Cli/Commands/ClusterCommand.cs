using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.Cli.Commands;

/// <summary><c>runnel cluster info</c>: cluster id, controller, brokers, and the API versions the broker serves.</summary>
internal sealed class ClusterCommand : CliCommand
{
    private static readonly OptionSpec ApiVersions = OptionSpec.Flag("api-versions", "also list the API version ranges the broker serves");

    public override string Name => "cluster";

    public override string Summary => "describe the cluster: id, controller, brokers (runnel cluster info)";

    public override string Synopsis => "Usage: runnel cluster info [--bootstrap-server host:port] [--api-versions]";

    public override IReadOnlyList<OptionSpec> Options { get; } = [BootstrapServer, ApiVersions, Help];

    public override int MaxPositionals => 1;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        if (args.Positionals is not ["info"])
            throw new UsageException("The only cluster action is 'info'.");
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = BootstrapOf(args) });
        var cluster = await admin.DescribeClusterAsync(cancellationToken).ConfigureAwait(false);
        var output = console.Out;
        await output.WriteLineAsync($"Cluster id: {cluster.ClusterId ?? "(none)"}").ConfigureAwait(false);
        await output.WriteLineAsync($"Controller: {(cluster.ControllerId < 0 ? "(none)" : cluster.ControllerId)}").ConfigureAwait(false);
        await output.WriteLineAsync($"Brokers ({cluster.Brokers.Count}):").ConfigureAwait(false);
        foreach (var broker in cluster.Brokers)
        {
            var rack = broker.Rack is null ? "" : $"  rack {broker.Rack}";
            var controller = broker.NodeId == cluster.ControllerId ? "  (controller)" : "";
            await output.WriteLineAsync($"  {broker.NodeId}  {broker.Endpoint}{rack}{controller}").ConfigureAwait(false);
        }
        if (args.Has(ApiVersions.Name))
        {
            await output.WriteLineAsync("API versions:").ConfigureAwait(false);
            foreach (var api in cluster.ApiVersions)
                await output.WriteLineAsync($"  {api.Name}({(short)api.Key}) v{api.MinVersion}-{api.MaxVersion}").ConfigureAwait(false);
        }
        return CliApp.Ok;
    }
}
