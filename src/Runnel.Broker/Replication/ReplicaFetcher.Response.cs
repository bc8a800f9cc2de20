using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Partitions;
using Runnel.Net;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Records;
using Runnel.Storage;
using Runnel.Storage.Epochs;

namespace Runnel.Broker.Replication;

/// <summary>What a follower does with each partition of a fetch response (Kafka's AbstractFetcherThread).</summary>
internal sealed partial class ReplicaFetcher
{
    private async Task ProcessAsync(KafkaConnection connection, List<FetchState> sent, FetchResponse response, CancellationToken stopping)
    {
        // An incremental answer carries only the partitions with news; the others have nothing to apply.
        var byKey = sent.ToDictionary(s => (s.Partition.TopicId, s.Partition.TopicPartition.Partition));
        foreach (var topic in response.Responses)
        {
            foreach (var data in topic.Partitions)
            {
                var state = byKey.GetValueOrDefault((topic.TopicId, data.PartitionIndex));
                // Only for the fetching this request was for: the partition may have been removed or restarted since.
                if (state is null || !IsCurrent(state))
                    continue;
                try
                {
                    await ProcessPartitionAsync(connection, state, data, stopping).ConfigureAwait(false);
                }
                catch (StorageException e)
                {
                    _logger.LogError("Replica of {Partition} could not apply what leader {Leader} sent: {Message}; parked until its next leadership change",
                        state.Partition.TopicPartition, _leaderId, e.Message);
                    state.Parked = true;
                }
            }
        }
    }

    private bool IsCurrent(FetchState state)
    {
        lock (_partitions)
            return _partitions.TryGetValue(state.Partition.TopicPartition, out var current) && ReferenceEquals(current, state);
    }

    private async Task ProcessPartitionAsync(KafkaConnection connection, FetchState state, FetchResponse.PartitionData data, CancellationToken stopping)
    {
        var partition = state.Partition;
        switch ((ErrorCode)data.ErrorCode)
        {
            case ErrorCode.None when data.DivergingEpoch.EndOffset >= 0 || data.DivergingEpoch.Epoch >= 0:
                Truncate(state, data.DivergingEpoch.Epoch, data.DivergingEpoch.EndOffset);
                break;
            case ErrorCode.None:
                var records = WholeBatches(data.Records ?? ReadOnlyMemory<byte>.Empty, state.FetchOffset);
                if (!partition.AppendAsFollower(MemoryMarshal.AsMemory(records).Span, data.HighWatermark, state.LeaderEpoch))
                {
                    state.Parked = true;
                    return;
                }
                partition.MaybeAdvanceLogStartOffset(data.LogStartOffset);
                state.FetchOffset = partition.LogEndOffset;
                state.LastFetchedEpoch = partition.Log.LeaderEpochs.Latest?.Epoch ?? -1;
                break;
            case ErrorCode.OffsetOutOfRange:
                await ResetOutOfRangeAsync(connection, state, stopping).ConfigureAwait(false);
                break;
            case ErrorCode.FencedLeaderEpoch:
                // This leader is past our epoch: the metadata will bring the new one and restart us.
                state.Parked = true;
                break;
            case var error:
                _logger.LogDebug("Fetch of {Partition} from broker {Leader}: {Error}; backing off", partition.TopicPartition, _leaderId, error);
                state.DelayedUntilMs = NowMs + _settings.BackoffMs;
                break;
        }
    }

    /// <summary>
    /// The leader says our log diverged after (<paramref name="leaderEpoch"/>, <paramref name="leaderEndOffset"/>): Kafka's
    /// getOffsetTruncationState. When we know that epoch too, truncate to the lower of the two ends of it; when we do
    /// not, to where our largest smaller epoch ends (the next fetch may diverge again, one epoch further back).
    /// </summary>
    private void Truncate(FetchState state, int leaderEpoch, long leaderEndOffset)
    {
        var partition = state.Partition;
        var end = partition.LogEndOffset;
        long target;
        if (leaderEndOffset < 0)
        {
            target = state.FetchOffset;
        }
        else if (leaderEpoch < 0)
        {
            target = Math.Min(leaderEndOffset, end);
        }
        else
        {
            var (epoch, offset) = partition.EndOffsetForEpoch(leaderEpoch);
            target = epoch == LeaderEpochCache.UndefinedEpoch || offset < 0 ? Math.Min(leaderEndOffset, end)
                : epoch == leaderEpoch ? Math.Min(Math.Min(leaderEndOffset, offset), end)
                : Math.Min(offset, end);
        }
        if (target < partition.HighWatermark)
            _logger.LogWarning("Truncating {Partition} to {Offset}, below its high watermark {HighWatermark}", partition.TopicPartition, target, partition.HighWatermark);
        if (!partition.TruncateTo(target, state.LeaderEpoch))
        {
            state.Parked = true;
            return;
        }
        _logger.LogInformation("Truncated {Partition} to {Offset} (diverged from leader {Leader}'s epoch {Epoch} ending at {End})", partition.TopicPartition,
            partition.LogEndOffset, _leaderId, leaderEpoch, leaderEndOffset);
        state.FetchOffset = partition.LogEndOffset;
        state.LastFetchedEpoch = partition.Log.LeaderEpochs.Latest?.Epoch ?? -1;
    }

    /// <summary>
    /// OFFSET_OUT_OF_RANGE: Kafka's fetchOffsetAndTruncate. A leader whose log ends below ours means ours has more than
    /// it (truncate to its end); otherwise ours ends below its start (retention there), so ours restarts empty at its
    /// start.
    /// </summary>
    private async Task ResetOutOfRangeAsync(KafkaConnection connection, FetchState state, CancellationToken stopping)
    {
        var partition = state.Partition;
        var leaderEnd = await LeaderOffsetAsync(connection, state, -1, stopping).ConfigureAwait(false);
        if (leaderEnd is null)
        {
            state.DelayedUntilMs = NowMs + _settings.BackoffMs;
            return;
        }
        if (leaderEnd < partition.LogEndOffset)
        {
            partition.TruncateTo(leaderEnd.Value, state.LeaderEpoch);
        }
        else if (await LeaderOffsetAsync(connection, state, -2, stopping).ConfigureAwait(false) is { } leaderStart && leaderStart > partition.LogEndOffset)
        {
            _logger.LogWarning("{Partition} ends at {End}, before leader {Leader}'s log start {Start}: restarting it empty there", partition.TopicPartition,
                partition.LogEndOffset, _leaderId, leaderStart);
            partition.TruncateFullyAndStartAt(leaderStart, state.LeaderEpoch);
        }
        state.FetchOffset = partition.LogEndOffset;
        state.LastFetchedEpoch = partition.Log.LeaderEpochs.Latest?.Epoch ?? -1;
    }

    /// <summary>The leader's log end (-1) or log start (-2) as a replica's ListOffsets gets it; null on any error.</summary>
    private async Task<long?> LeaderOffsetAsync(KafkaConnection connection, FetchState state, long timestamp, CancellationToken stopping)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = _localId,
            Topics = [new() { Name = state.Partition.TopicPartition.Topic, Partitions = [new() { PartitionIndex = state.Partition.TopicPartition.Partition, CurrentLeaderEpoch = state.LeaderEpoch, Timestamp = timestamp }] }],
        };
        var response = await connection.SendAsync<ListOffsetsResponse>(ApiKey.ListOffsets, request, ListOffsetsVersion, TimeSpan.FromSeconds(10), stopping).ConfigureAwait(false);
        return response.Topics.SelectMany(t => t.Partitions).FirstOrDefault() is { ErrorCode: 0 } answer ? answer.Offset : null;
    }

    /// <summary>The whole batches of <paramref name="records"/> that end at or past <paramref name="from"/> (a cut last batch is left for the next fetch).</summary>
    private static ReadOnlyMemory<byte> WholeBatches(ReadOnlyMemory<byte> records, long from)
    {
        var span = records.Span;
        int start = 0, end = 0;
        while (RecordBatchHeader.TryRead(span[end..], out var header) && header.TotalSize > 0 && end + header.TotalSize <= span.Length)
        {
            if (header.LastOffset < from)
                start = end + header.TotalSize;
            end += header.TotalSize;
        }
        return records[start..Math.Max(start, end)];
    }
}
