using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Client.Consumer;

/// <summary>Poll: resolve missing positions, fetch from every leader at once, decode, advance.</summary>
public sealed partial class RunnelConsumer
{
    private readonly KafkaWriter _scratch = new();
    private bool _metadataStale;

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for records from the assigned partitions and returns what arrived
    /// (possibly nothing). Positions move past the returned records.
    /// </summary>
    public async Task<IReadOnlyList<ConsumeResult>> PollAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (_group is null && _assigned.Count == 0)
            throw new InvalidOperationException("No partitions are assigned; call Assign first.");
        var maxWait = TimeSpan.FromTicks(Math.Min(Math.Max(timeout.Ticks, 0), _options.FetchMaxWait.Ticks));
        FetchResponse[] replies;
        try
        {
            if (_group is not null && !await MaintainGroupAsync(timeout, cancellationToken).ConfigureAwait(false))
                return [];
            await ResolvePositionsAsync(cancellationToken).ConfigureAwait(false);
            // After a leadership error the last fetch flagged, look the leaders up again.
            var byLeader = await _cluster.GroupByLeaderAsync(_assigned.Keys, forceRefresh: _metadataStale, cancellationToken).ConfigureAwait(false);
            _metadataStale = false;
            replies = await Task.WhenAll(byLeader.Select(pair => FetchAsync(pair.Key, pair.Value, maxWait, cancellationToken))).ConfigureAwait(false);
        }
        catch (BrokerConnectionException)
        {
            // As Kafka's consumer does, ride out a broker that is away: this poll returns nothing (after a pause, so
            // a polling loop does not spin) and the next one reconnects. Positions have not moved.
            _metadataStale = true;
            await Task.Delay(maxWait < _options.RetryBackoff ? maxWait : _options.RetryBackoff, cancellationToken).ConfigureAwait(false);
            return [];
        }
        var output = new List<ConsumeResult>();
        foreach (var reply in replies)
            Apply(reply, output);
        return output;
    }

    private async Task<FetchResponse> FetchAsync(int leader, List<TopicPartition> partitions, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var connection = await _cluster.NodeAsync(leader, cancellationToken).ConfigureAwait(false);
        var request = new FetchRequest
        {
            ReplicaId = -1,
            MaxWaitMs = (int)maxWait.TotalMilliseconds,
            MinBytes = _options.FetchMinBytes,
            MaxBytes = _options.FetchMaxBytes,
            IsolationLevel = (sbyte)(_options.ReadCommitted ? 1 : 0),
            // No fetch session: every fetch is a full fetch (session 0, epoch -1), which every broker accepts.
            SessionId = 0,
            SessionEpoch = -1,
            Topics = [.. partitions.GroupBy(p => p.Topic).Select(t => new FetchRequest.FetchTopic
            {
                Topic = t.Key,
                TopicId = _cluster.Metadata.Topics.GetValueOrDefault(t.Key)?.TopicId ?? Guid.Empty,
                Partitions = [.. t.Select(p => new FetchRequest.FetchPartition
                {
                    Partition = p.Partition,
                    FetchOffset = _assigned[p].Position!.Value,
                    PartitionMaxBytes = _options.MaxPartitionFetchBytes,
                })],
            })],
        };
        var response = await connection.SendAsync<FetchResponse>(ApiKey.Fetch, request, cancellationToken).ConfigureAwait(false);
        RunnelException.ThrowIfError(response.ErrorCode, $"Fetch from {connection.Name}");
        return response;
    }

    private void Apply(FetchResponse response, List<ConsumeResult> output)
    {
        foreach (var topic in response.Responses)
        {
            foreach (var answer in topic.Partitions)
            {
                var key = new TopicPartition(topic.Topic, answer.PartitionIndex);
                if (!_assigned.TryGetValue(key, out var state) || state.Position is not { } position)
                    continue;
                var error = (ErrorCode)answer.ErrorCode;
                switch (error)
                {
                    case ErrorCode.None:
                        state.HighWatermark = answer.HighWatermark;
                        if (answer.Records is { } records)
                            state.Position = FetchDecoder.Decode(key.Topic, key.Partition, records.Span, position, _options.CheckCrcs, _scratch, output);
                        break;
                    case ErrorCode.OffsetOutOfRange when _options.AutoOffsetReset != AutoOffsetReset.None:
                        state.Position = null; // resolved again by auto.offset.reset on the next poll
                        break;
                    case var retriable when ErrorCodes.IsRetriable(retriable):
                        _metadataStale = true;
                        break;
                    default:
                        throw RunnelException.FromError(error, $"Fetching {key} at offset {position}");
                }
            }
        }
    }

    /// <summary>Partitions without a position start per auto.offset.reset.</summary>
    private async Task ResolvePositionsAsync(CancellationToken cancellationToken)
    {
        var missing = _assigned.Where(p => p.Value.Position is null).Select(p => p.Key).ToList();
        if (missing.Count == 0)
            return;
        switch (_options.AutoOffsetReset)
        {
            case AutoOffsetReset.Earliest:
                await SeekToBeginningAsync(missing, cancellationToken).ConfigureAwait(false);
                break;
            case AutoOffsetReset.Latest:
                await SeekToEndAsync(missing, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new RunnelException(ErrorCode.OffsetOutOfRange,
                    $"No position for {string.Join(", ", missing)} and AutoOffsetReset is None; seek first.");
        }
    }
}
