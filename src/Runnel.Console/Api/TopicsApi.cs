using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.WebConsole.Api;

/// <summary>A topic to create from the console; null partitions or replication factor take the broker's defaults.</summary>
internal sealed record CreateTopicBody(string Name, int? Partitions, short? ReplicationFactor, Dictionary<string, string>? Configs);

/// <summary>
/// Topics: <c>GET /ui/api/topics</c> (each with its partition count, records and bytes), <c>GET /ui/api/topics/{t}</c>
/// (per partition leader, replicas, ISR, offline replicas, earliest and latest offsets, bytes on the leader; and the
/// configs), <c>POST /ui/api/topics</c> (create) and <c>DELETE /ui/api/topics/{t}</c> (the page confirms first).
/// </summary>
internal static class TopicsApi
{
    public static void Map(RouteGroupBuilder api, ConsoleBackend backend)
    {
        api.MapGet("/topics", (bool? internals, CancellationToken ct) => ApiResults.Run(async () =>
        {
            var topics = await backend.Admin.DescribeTopicsAsync(includeOffsets: true, cancellationToken: ct).ConfigureAwait(false);
            var sizes = await LeaderSizesAsync(backend, topics, ct).ConfigureAwait(false);
            return Results.Json(topics.Where(t => internals == true || !t.IsInternal).Select(t => new
            {
                name = t.Name,
                id = t.TopicId,
                isInternal = t.IsInternal,
                partitions = t.Partitions.Count,
                replicationFactor = t.Partitions.Count == 0 ? 0 : t.Partitions.Max(p => p.Replicas.Count),
                underReplicated = t.Partitions.Count(p => p.IsUnderReplicated),
                records = t.Partitions.Sum(p => p.RecordCount ?? 0),
                bytes = t.Partitions.Sum(p => sizes.GetValueOrDefault(new TopicPartition(t.Name, p.Partition))),
            }));
        }));
        api.MapGet("/topics/{topic}", (string topic, CancellationToken ct) => ApiResults.Run(async () =>
        {
            var described = (await backend.Admin.DescribeTopicsAsync([topic], includeOffsets: true, ct).ConfigureAwait(false))[0];
            var sizes = await LeaderSizesAsync(backend, [described], ct).ConfigureAwait(false);
            var configs = await backend.Admin.DescribeTopicConfigsAsync(topic, ct).ConfigureAwait(false);
            return Results.Json(new
            {
                name = described.Name,
                id = described.TopicId,
                isInternal = described.IsInternal,
                partitions = described.Partitions.Select(p => new
                {
                    partition = p.Partition,
                    leader = p.Leader,
                    leaderEpoch = p.LeaderEpoch,
                    replicas = p.Replicas,
                    isr = p.Isr,
                    offline = p.OfflineReplicas,
                    earliest = p.EarliestOffset,
                    latest = p.LatestOffset,
                    records = p.RecordCount,
                    bytes = sizes.TryGetValue(new TopicPartition(topic, p.Partition), out var size) ? size : (long?)null,
                }),
                configs = configs.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => new
                {
                    name = c.Name,
                    value = c.Value,
                    source = c.Source.ToString(),
                    isOverride = c.IsTopicOverride,
                    readOnly = c.IsReadOnly,
                    sensitive = c.IsSensitive,
                }),
            });
        }));
        api.MapPost("/topics", (CreateTopicBody body, CancellationToken ct) => ApiResults.Run(async () =>
        {
            if (string.IsNullOrWhiteSpace(body.Name))
                return ApiResults.Error("A topic needs a name.", StatusCodes.Status400BadRequest);
            var topic = new NewTopic(body.Name.Trim(), body.Partitions ?? -1, body.ReplicationFactor ?? -1) { Configs = body.Configs ?? [] };
            await backend.Admin.CreateTopicsAsync([topic], cancellationToken: ct).ConfigureAwait(false);
            return Results.Json(new { created = topic.Name }, statusCode: StatusCodes.Status201Created);
        }));
        api.MapDelete("/topics/{topic}", (string topic, CancellationToken ct) => ApiResults.Run(async () =>
        {
            await backend.Admin.DeleteTopicsAsync([topic], ct).ConfigureAwait(false);
            return Results.Json(new { deleted = topic });
        }));
    }

    /// <summary>Each partition's bytes on its leader (DescribeLogDirs; a partition whose leader did not answer is left out).</summary>
    private static async Task<Dictionary<TopicPartition, long>> LeaderSizesAsync(ConsoleBackend backend, IReadOnlyList<TopicDescription> topics, CancellationToken ct)
    {
        var leaders = topics.SelectMany(t => t.Partitions.Select(p => (Key: new TopicPartition(t.Name, p.Partition), p.Leader))).ToDictionary(x => x.Key, x => x.Leader);
        var sizes = await backend.Admin.DescribeReplicaSizesAsync(ct).ConfigureAwait(false);
        return sizes.Where(s => leaders.TryGetValue(s.Partition, out var leader) && leader == s.BrokerId)
            .GroupBy(s => s.Partition).ToDictionary(g => g.Key, g => g.Sum(s => s.SizeBytes));
    }
}
