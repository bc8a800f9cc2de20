using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>
/// A producer of a partition as DescribeProducers reports it (Kafka's admin ProducerState): the coordinator epoch of its
/// last transaction marker there (null before any) and the first offset of its open transaction there (null when none).
/// </summary>
public sealed record ProducerState(long ProducerId, int ProducerEpoch, int LastSequence, long LastTimestamp, int? CoordinatorEpoch,
    long? CurrentTransactionStartOffset);

/// <summary>Which transaction <see cref="RunnelAdminClient.AbortTransactionAsync"/> ends (Kafka's AbortTransactionSpec).</summary>
public sealed record AbortTransactionSpec(TopicPartition Partition, long ProducerId, short ProducerEpoch, int CoordinatorEpoch);

/// <summary>Producers: describing a partition's producers, and aborting one's hanging transaction there (Kafka's Admin).</summary>
public sealed partial class RunnelAdminClient
{
    /// <summary>
    /// The producers of each partition (Kafka's Admin.describeProducers): asked of each partition's leader, or of
    /// <paramref name="brokerId"/>'s replica when given. Without a broker id, a partition whose leader moved
    /// (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION) is asked again after a metadata refresh, a few times at
    /// most; with one, NOT_LEADER_OR_FOLLOWER fails at once, as in Kafka. Other errors fail.
    /// </summary>
    public async Task<IReadOnlyDictionary<TopicPartition, IReadOnlyList<ProducerState>>> DescribeProducersAsync(IEnumerable<TopicPartition> partitions,
        int? brokerId = null, CancellationToken cancellationToken = default)
    {
        var results = new Dictionary<TopicPartition, IReadOnlyList<ProducerState>>();
        var remaining = partitions.Distinct().ToList();
        for (var attempt = 0; remaining.Count > 0; attempt++)
        {
            var byBroker = brokerId is { } id
                ? new Dictionary<int, List<TopicPartition>> { [id] = remaining }
                : await _cluster.GroupByLeaderAsync(remaining, forceRefresh: attempt > 0, cancellationToken).ConfigureAwait(false);
            var replies = byBroker.Select(async pair =>
            {
                var connection = await _cluster.NodeAsync(pair.Key, cancellationToken).ConfigureAwait(false);
                var request = new DescribeProducersRequest
                {
                    Topics = [.. pair.Value.GroupBy(p => p.Topic, StringComparer.Ordinal).Select(g => new DescribeProducersRequest.TopicRequest
                    {
                        Name = g.Key,
                        PartitionIndexes = [.. g.Select(p => p.Partition)],
                    })],
                };
                return (Broker: pair.Key, Response: await connection.SendAsync<DescribeProducersResponse>(ApiKey.DescribeProducers, request, cancellationToken).ConfigureAwait(false));
            }).ToList();
            var retry = new List<TopicPartition>();
            foreach (var (broker, response) in await Task.WhenAll(replies).ConfigureAwait(false))
            {
                foreach (var topic in response.Topics)
                {
                    foreach (var partition in topic.Partitions)
                    {
                        var key = new TopicPartition(topic.Name, partition.PartitionIndex);
                        var error = (ErrorCode)partition.ErrorCode;
                        if (error == ErrorCode.None)
                            results[key] = [.. partition.ActiveProducers.Select(ToProducerState)];
                        else if (brokerId is null && error is ErrorCode.NotLeaderOrFollower or ErrorCode.UnknownTopicOrPartition && attempt < 3)
                            retry.Add(key);
                        else
                            throw RunnelException.FromError(error, $"Describing the producers of {key} on broker {broker}", partition.ErrorMessage);
                    }
                }
            }
            remaining = retry;
            if (retry.Count > 0)
                await Task.Delay(_cluster.Options.RetryBackoff, _cluster.Time, cancellationToken).ConfigureAwait(false);
        }
        return results;
    }

    /// <summary>
    /// Ends a hanging transaction (Kafka's Admin.abortTransaction): an abort marker for the spec's producer, epoch and
    /// coordinator epoch, written with WriteTxnMarkers by the partition's leader. A leader that moved
    /// (NOT_LEADER_OR_FOLLOWER, REPLICA_NOT_AVAILABLE, BROKER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION) is looked up
    /// again, a few times at most; INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED and other errors fail.
    /// </summary>
    public async Task AbortTransactionAsync(AbortTransactionSpec spec, CancellationToken cancellationToken = default)
    {
        var partition = spec.Partition;
        for (var attempt = 0; ; attempt++)
        {
            var byLeader = await _cluster.GroupByLeaderAsync([partition], forceRefresh: attempt > 0, cancellationToken).ConfigureAwait(false);
            var leader = byLeader.Keys.Single();
            var connection = await _cluster.NodeAsync(leader, cancellationToken).ConfigureAwait(false);
            var request = new WriteTxnMarkersRequest
            {
                Markers =
                [
                    new WriteTxnMarkersRequest.WritableTxnMarker
                    {
                        ProducerId = spec.ProducerId,
                        ProducerEpoch = spec.ProducerEpoch,
                        CoordinatorEpoch = spec.CoordinatorEpoch,
                        TransactionResult = false,
                        Topics = [new WriteTxnMarkersRequest.WritableTxnMarkerTopic { Name = partition.Topic, PartitionIndexes = [partition.Partition] }],
                    },
                ],
            };
            var response = await connection.SendAsync<WriteTxnMarkersResponse>(ApiKey.WriteTxnMarkers, request, cancellationToken).ConfigureAwait(false);
            var error = MarkerError(response, spec);
            if (error == ErrorCode.None)
                return;
            if (error is ErrorCode.NotLeaderOrFollower or ErrorCode.ReplicaNotAvailable or ErrorCode.BrokerNotAvailable or ErrorCode.UnknownTopicOrPartition && attempt < 3)
            {
                await Task.Delay(_cluster.Options.RetryBackoff, _cluster.Time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            throw RunnelException.FromError(error, $"Aborting the transaction of producer {spec.ProducerId} (epoch {spec.ProducerEpoch}, coordinator epoch {spec.CoordinatorEpoch}) on {partition}");
        }
    }

    /// <summary>The partition's error in a WriteTxnMarkers answer, which must hold exactly the one marker, topic and partition asked for.</summary>
    private static ErrorCode MarkerError(WriteTxnMarkersResponse response, AbortTransactionSpec spec)
    {
        if (response.Markers is not [var marker] || marker.ProducerId != spec.ProducerId
            || marker.Topics is not [var topic] || topic.Name != spec.Partition.Topic
            || topic.Partitions is not [var partition] || partition.PartitionIndex != spec.Partition.Partition)
        {
            throw new RunnelException($"The WriteTxnMarkers answer does not hold exactly the marker of producer {spec.ProducerId} for {spec.Partition}.");
        }
        return (ErrorCode)partition.ErrorCode;
    }

    private static ProducerState ToProducerState(DescribeProducersResponse.ProducerState p)
        => new(p.ProducerId, p.ProducerEpoch, p.LastSequence, p.LastTimestamp, p.CoordinatorEpoch < 0 ? null : p.CoordinatorEpoch,
            p.CurrentTxnStartOffset < 0 ? null : p.CurrentTxnStartOffset);
}
