using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Runnel.Broker.Groups.Lag;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.WebConsole.Api;

/// <summary>An offset reset: target earliest|latest|offset|timestamp|shift (value: the offset, ms, or the shift), of one topic or every committed one.</summary>
internal sealed record ResetBody(string Target, long? Value, string? Topic, bool DryRun);

/// <summary>
/// Consumer groups: <c>GET /ui/api/groups</c>; <c>GET /ui/api/groups/{g}</c> with members, their assignments and the
/// lag table — CURRENT-OFFSET, LOG-END-OFFSET, LAG and LAG-SECONDS as <c>runnel group describe</c> computes them
/// (<see cref="RunnelAdminClient.MeasureGroupLagAsync"/>) and STATUS from the console's window of the offsets it saw
/// move, as <c>runnel group lag --watch</c> judges it ("-" for a partition with lag until two commits were seen, as
/// <c>group describe</c> shows one); <c>POST /ui/api/groups/{g}/reset</c> computes new offsets as
/// <c>runnel group reset-offsets</c> does and, unless it is a dry run, commits them (refused while the group has members).
/// </summary>
internal static class GroupsApi
{
    public static void Map(RouteGroupBuilder api, ConsoleBackend backend)
    {
        api.MapGet("/groups", (CancellationToken ct) => ApiResults.Run(async () =>
        {
            var groups = await backend.Admin.ListGroupsAsync(ct).ConfigureAwait(false);
            return Results.Json(groups.Select(g => new { groupId = g.GroupId, protocolType = g.ProtocolType, state = g.State }));
        }));
        api.MapGet("/groups/{groupId}", (string groupId, CancellationToken ct) => ApiResults.Run(async () =>
        {
            var admin = backend.Admin;
            var group = await admin.DescribeGroupAsync(groupId, ct).ConfigureAwait(false);
            var committed = await admin.ListGroupOffsetsAsync(groupId, ct).ConfigureAwait(false);
            if (group.State == "Dead" && committed.Count == 0)
                return ApiResults.Error($"Consumer group '{groupId}' does not exist.", StatusCodes.Status404NotFound, "GROUP_ID_NOT_FOUND");
            var owners = group.Members.SelectMany(m => m.Assignment.Select(p => (Partition: p, Member: m))).ToDictionary(o => o.Partition, o => o.Member);
            var partitions = committed.Keys.Union(owners.Keys).OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
            var lags = await admin.MeasureGroupLagAsync(partitions, committed, ct).ConfigureAwait(false);
            foreach (var row in lags)
                backend.Observe(groupId, row);
            // As runnel group describe: a partition with lag gets a status only from two or more observed commits.
            var statuses = lags.Select(r => r.Lag is not { } lag ? null
                : lag > 0 && backend.LagEvaluator.Window(groupId, r.Partition.Topic, r.Partition.Partition).Count < 2 ? null
                : backend.LagEvaluator.Evaluate(groupId, r.Partition.Topic, r.Partition.Partition, lag) as ConsumerLagStatus?).ToList();
            var worst = statuses.Where(s => s is not null).Select(s => s!.Value).DefaultIfEmpty(ConsumerLagStatus.Ok).Max();
            return Results.Json(new
            {
                groupId,
                state = group.State,
                protocolType = group.ProtocolType,
                protocol = group.Protocol,
                status = Name(worst),
                totalLag = lags.Sum(l => l.Lag ?? 0),
                members = group.Members.Select(m => new
                {
                    memberId = m.MemberId,
                    groupInstanceId = m.GroupInstanceId,
                    clientId = m.ClientId,
                    host = m.Host,
                    assignment = m.Assignment.Select(p => new { topic = p.Topic, partition = p.Partition }),
                }),
                lag = lags.Select((r, i) =>
                {
                    var owner = owners.GetValueOrDefault(r.Partition);
                    return new
                    {
                        topic = r.Partition.Topic,
                        partition = r.Partition.Partition,
                        currentOffset = r.Committed >= 0 ? r.Committed : (long?)null,
                        logEndOffset = r.End >= 0 ? r.End : (long?)null,
                        lag = r.Lag,
                        // The CLI's text, so the two read alike.
                        lagSeconds = r.LagSeconds?.ToString("0.000", CultureInfo.InvariantCulture),
                        status = statuses[i] is { } s ? Name(s) : "-",
                        consumerId = owner?.MemberId,
                        host = owner?.Host,
                        clientId = owner?.ClientId,
                    };
                }),
            });
        }));
        api.MapPost("/groups/{groupId}/reset", (string groupId, ResetBody body, CancellationToken ct) => ApiResults.Run(async () =>
        {
            var target = body.Target switch
            {
                "earliest" => OffsetResetTarget.Earliest,
                "latest" => OffsetResetTarget.Latest,
                "offset" => OffsetResetTarget.Offset,
                "timestamp" => OffsetResetTarget.Timestamp,
                "shift" => OffsetResetTarget.ShiftBy,
                _ => throw new ArgumentException($"Unknown reset target '{body.Target}': earliest, latest, offset, timestamp or shift."),
            };
            if (target is not (OffsetResetTarget.Earliest or OffsetResetTarget.Latest) && body.Value is null)
                throw new ArgumentException($"A reset to {body.Target} needs a value.");
            var admin = backend.Admin;
            var group = await admin.DescribeGroupAsync(groupId, ct).ConfigureAwait(false);
            if (group.IsActive)
            {
                return ApiResults.Error(
                    $"Assignments can only be reset if the group '{groupId}' is inactive, but the current state is {group.State} with {group.Members.Count} members.",
                    StatusCodes.Status409Conflict, "NON_EMPTY_GROUP");
            }
            var committed = await admin.ListGroupOffsetsAsync(groupId, ct).ConfigureAwait(false);
            List<TopicPartition> partitions = [.. committed.Keys.Where(p => string.IsNullOrEmpty(body.Topic) || p.Topic == body.Topic)];
            if (partitions.Count == 0 && !string.IsNullOrEmpty(body.Topic))
            {
                var topic = (await admin.DescribeTopicsAsync([body.Topic], includeOffsets: false, ct).ConfigureAwait(false))[0];
                partitions = [.. topic.Partitions.Select(p => new TopicPartition(body.Topic, p.Partition))];
            }
            if (partitions.Count == 0)
                throw new ArgumentException($"Group '{groupId}' has no committed offsets; name a topic.");
            partitions = [.. partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)];
            var offsets = await admin.PlanGroupOffsetResetAsync(partitions, committed, target, body.Value ?? 0, ct).ConfigureAwait(false);
            if (!body.DryRun)
                await admin.AlterGroupOffsetsAsync(groupId, offsets, ct).ConfigureAwait(false);
            return Results.Json(new
            {
                groupId,
                dryRun = body.DryRun,
                offsets = partitions.Select(p => new
                {
                    topic = p.Topic,
                    partition = p.Partition,
                    currentOffset = committed.TryGetValue(p, out var c) ? c : (long?)null,
                    newOffset = offsets[p],
                }),
            });
        }));
    }

    /// <summary>The CLI's spelling of a status.</summary>
    private static string Name(ConsumerLagStatus status) => status.ToString().ToUpperInvariant();
}
