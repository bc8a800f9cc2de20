using Microsoft.Extensions.Logging;
using Runnel.Broker.Quorum;
using Runnel.Metadata.Image;
using Runnel.Net;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Storage;

namespace Runnel.Broker.Transactions;

/// <summary>
/// Writes transaction markers with WriteTxnMarkers v1 to the current leader of each partition (this node included,
/// over its own listener, so every marker takes the one path a leader checks), over one connection per broker on the
/// inter-broker listener (<see cref="InterBrokerConnections"/>), as Kafka's TransactionMarkerChannelManager does. Partitions whose leader is unknown, moved,
/// or unreachable are retried when the metadata changes or after 100 ms, whichever is first.
/// </summary>
internal sealed class TransactionMarkerSender(MetadataQuorum quorum, InterBrokerConnections connections, TimeProvider time, ILogger logger)
    : ITransactionMarkerWriter
{
    private const short Version = 1;
    private static readonly TimeSpan RetryBackoff = TimeSpan.FromMilliseconds(100);

    public async Task<bool> WriteAsync(TransactionMarker marker, CancellationToken stop)
    {
        var remaining = new HashSet<TopicPartition>(marker.Partitions);
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            var image = quorum.Loader.Image;
            // A deleted topic (or partition) needs no marker: there is nothing left to end the transaction on.
            remaining.RemoveWhere(p => image.Topics.ByName.GetValueOrDefault(p.Topic)?.Partitions.ContainsKey(p.Partition) != true);
            if (remaining.Count == 0)
                return true;
            var byLeader = remaining.GroupBy(p => image.Topics.ByName[p.Topic].Partitions[p.Partition].Leader).Where(g => g.Key >= 0).ToList();
            var sent = await Task.WhenAll(byLeader.Select(g => SendAsync(image, g.Key, marker, [.. g], stop))).ConfigureAwait(false);
            foreach (var (written, fenced) in sent)
            {
                if (fenced)
                    return false;
                remaining.ExceptWith(written);
            }
            if (remaining.Count == 0)
                return true;
            await quorum.Loader.WaitUntilAsync(i => !ReferenceEquals(i, image), RetryBackoff, time, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the marker for <paramref name="partitions"/> to broker <paramref name="leader"/>: the partitions it wrote, and whether it fenced this coordinator.</summary>
    private async Task<(List<TopicPartition> Written, bool Fenced)> SendAsync(MetadataImage image, int leader, TransactionMarker marker,
        List<TopicPartition> partitions, CancellationToken stop)
    {
        var written = new List<TopicPartition>();
        var request = new WriteTxnMarkersRequest
        {
            Markers =
            [
                new WriteTxnMarkersRequest.WritableTxnMarker
                {
                    ProducerId = marker.ProducerId,
                    ProducerEpoch = marker.ProducerEpoch,
                    TransactionResult = marker.Commit,
                    CoordinatorEpoch = marker.CoordinatorEpoch,
                    Topics = [.. partitions.GroupBy(p => p.Topic).Select(t => new WriteTxnMarkersRequest.WritableTxnMarkerTopic
                    {
                        Name = t.Key,
                        PartitionIndexes = [.. t.Select(p => p.Partition)],
                    })],
                },
            ],
        };
        WriteTxnMarkersResponse response;
        try
        {
            if (await connections.ToAsync(image, leader, stop).ConfigureAwait(false) is not { } connection)
                return (written, false);
            response = await connection.SendAsync<WriteTxnMarkersResponse>(ApiKey.WriteTxnMarkers, request, Version, cancellationToken: stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KafkaConnectionException or InvalidDataException or TimeoutException)
        {
            logger.LogDebug("Transaction markers for producer {ProducerId} did not reach broker {Leader}: {Message}", marker.ProducerId, leader, e.Message);
            return (written, false);
        }
        var fenced = false;
        foreach (var result in response.Markers.Where(m => m.ProducerId == marker.ProducerId))
        {
            foreach (var topic in result.Topics)
            {
                foreach (var partition in topic.Partitions)
                {
                    var error = (ErrorCode)partition.ErrorCode;
                    switch (error)
                    {
                        case ErrorCode.None:
                            written.Add(new TopicPartition(topic.Name, partition.PartitionIndex));
                            break;
                        case ErrorCode.TransactionCoordinatorFenced or ErrorCode.InvalidProducerEpoch:
                            logger.LogWarning("Broker {Leader} refused the marker for producer {ProducerId} on {Topic}-{Partition}: {Error}", leader,
                                marker.ProducerId, topic.Name, partition.PartitionIndex, error);
                            fenced = true;
                            break;
                        default:
                            // NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, storage
                            // errors and the like: retried once the metadata says where to go.
                            logger.LogDebug("Marker for producer {ProducerId} on {Topic}-{Partition} at broker {Leader}: {Error}; retrying", marker.ProducerId,
                                topic.Name, partition.PartitionIndex, leader, error);
                            break;
                    }
                }
            }
        }
        return (written, fenced);
    }
}
