using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel cluster info</c>: cluster id, controller, brokers, and the API versions the broker serves.
/// <c>runnel cluster quorum</c> (as kafka-metadata-quorum describe --status --replication): the metadata quorum's
/// leader, epoch and high watermark, and each voter's log end offset, lag and last fetch.
/// </summary>
internal sealed class ClusterCommand : CliCommand
{
    private static readonly OptionSpec ApiVersions = OptionSpec.Flag("api-versions", "also list the API version ranges the broker serves");

    public override string Name => "cluster";

    public override string Summary => "describe the cluster (runnel cluster info) or its metadata quorum (runnel cluster quorum)";

    public override string Synopsis => "Usage: runnel cluster info|quorum [--bootstrap-server host:port] [--api-versions]";

    public override IReadOnlyList<OptionSpec> Options { get; } = [BootstrapServer, ConfigFile, ApiVersions, Help];

    public override int MaxPositionals => 1;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        if (args.Positionals is not ["info"] and not ["quorum"])
            throw new UsageException("The cluster actions are 'info' and 'quorum'.");
        await using var admin = new RunnelAdminClient(AdminOptionsOf(args));
        if (args.Positionals is ["quorum"])
            return await DescribeQuorumAsync(admin, console, cancellationToken).ConfigureAwait(false);
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

    private static async Task<int> DescribeQuorumAsync(RunnelAdminClient admin, CliConsole console, CancellationToken cancellationToken)
    {
        var quorum = await admin.DescribeQuorumAsync(cancellationToken).ConfigureAwait(false);
        var output = console.Out;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var followers = quorum.Voters.Where(v => v.NodeId != quorum.LeaderId).ToList();
        var leaderEnd = quorum.Voters.FirstOrDefault(v => v.NodeId == quorum.LeaderId)?.LogEndOffset ?? quorum.HighWatermark;
        await output.WriteLineAsync($"LeaderId:             {quorum.LeaderId}").ConfigureAwait(false);
        await output.WriteLineAsync($"LeaderEpoch:          {quorum.LeaderEpoch}").ConfigureAwait(false);
        await output.WriteLineAsync($"HighWatermark:        {quorum.HighWatermark}").ConfigureAwait(false);
        await output.WriteLineAsync($"MaxFollowerLag:       {followers.Select(f => Math.Max(0, leaderEnd - f.LogEndOffset)).DefaultIfEmpty(0).Max()}").ConfigureAwait(false);
        await output.WriteLineAsync($"CurrentVoters:        [{string.Join(',', quorum.Voters.Select(v => v.NodeId))}]").ConfigureAwait(false);
        await output.WriteLineAsync($"CurrentObservers:     [{string.Join(',', quorum.Observers.Select(v => v.NodeId))}]").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"{"NodeId",-8}{"LogEndOffset",-14}{"Lag",-8}{"LastFetchMsAgo",-16}{"LastCaughtUpMsAgo",-19}Status").ConfigureAwait(false);
        foreach (var (replica, status) in quorum.Voters.Select(v => (v, v.NodeId == quorum.LeaderId ? "Leader" : "Follower"))
            .Concat(quorum.Observers.Select(o => (o, "Observer"))))
        {
            var lag = Math.Max(0, leaderEnd - replica.LogEndOffset);
            await output.WriteLineAsync($"{replica.NodeId,-8}{replica.LogEndOffset,-14}{lag,-8}{Ago(replica.LastFetchTimestamp, now),-16}{Ago(replica.LastCaughtUpTimestamp, now),-19}{status}").ConfigureAwait(false);
        }
        return CliApp.Ok;
    }

    private static string Ago(long timestamp, long now) => timestamp < 0 ? "-" : Math.Max(0, now - timestamp).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
