using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.WebConsole.Api;

/// <summary>
/// <c>GET /ui/api/cluster</c>: the cluster id, brokers, controller, the metadata quorum (leader, epoch, high watermark,
/// each voter's and observer's progress) and alerts (partitions without a leader or under-replicated, replicas offline,
/// voters behind the leader).
/// </summary>
internal static class ClusterApi
{
    public static void Map(RouteGroupBuilder api, ConsoleBackend backend)
        => api.MapGet("/cluster", (CancellationToken ct) => ApiResults.Run(async () =>
        {
            var admin = backend.Admin;
            var cluster = await admin.DescribeClusterAsync(ct).ConfigureAwait(false);
            QuorumDescription? quorum = null;
            string? quorumError = null;
            try
            {
                quorum = await admin.DescribeQuorumAsync(ct).ConfigureAwait(false);
            }
            catch (RunnelException e)
            {
                quorumError = e.Message;
            }
            var topics = await admin.DescribeTopicsAsync(includeOffsets: false, cancellationToken: ct).ConfigureAwait(false);
            var partitions = topics.SelectMany(t => t.Partitions.Select(p => (Topic: t.Name, p))).ToList();
            var alerts = new List<string>();
            if (quorumError is not null)
                alerts.Add($"Metadata quorum: {quorumError}");
            foreach (var (topic, p) in partitions.Where(x => !x.p.HasLeader))
                alerts.Add($"{topic}-{p.Partition} has no leader");
            var under = partitions.Count(x => x.p.IsUnderReplicated);
            if (under > 0)
                alerts.Add($"{under} under-replicated partition{(under == 1 ? "" : "s")}");
            foreach (var broker in partitions.SelectMany(x => x.p.OfflineReplicas).Distinct().Order())
                alerts.Add($"broker {broker} has offline replicas");
            if (quorum is not null)
            {
                foreach (var voter in quorum.Voters.Where(v => v.NodeId != quorum.LeaderId && v.LogEndOffset < quorum.HighWatermark))
                    alerts.Add($"voter {voter.NodeId} is behind the quorum's high watermark ({voter.LogEndOffset} < {quorum.HighWatermark})");
            }
            return Results.Json(new
            {
                clusterId = cluster.ClusterId,
                controllerId = cluster.ControllerId,
                thisNode = backend.NodeId,
                bootstrap = backend.Bootstrap,
                brokers = cluster.Brokers.Select(b => new
                {
                    id = b.NodeId,
                    host = b.Host,
                    port = b.Port,
                    rack = b.Rack,
                    leaders = partitions.Count(x => x.p.Leader == b.NodeId),
                    replicas = partitions.Count(x => x.p.Replicas.Contains(b.NodeId)),
                }),
                quorum = quorum is null ? null : new
                {
                    leaderId = quorum.LeaderId,
                    leaderEpoch = quorum.LeaderEpoch,
                    highWatermark = quorum.HighWatermark,
                    voters = quorum.Voters.Select(Replica),
                    observers = quorum.Observers.Select(Replica),
                },
                topics = topics.Count(t => !t.IsInternal),
                partitions = partitions.Count,
                alerts,
            });
        }));

    private static object Replica(QuorumReplica r) => new { id = r.NodeId, logEndOffset = r.LogEndOffset, lastFetch = r.LastFetchTimestamp, lastCaughtUp = r.LastCaughtUpTimestamp };
}
