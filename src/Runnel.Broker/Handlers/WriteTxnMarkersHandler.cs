using Runnel.Broker.Authorization;
using Runnel.Broker.Partitions;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Storage;

namespace Runnel.Broker.Handlers;

/// <summary>
/// WriteTxnMarkers v0-1, from the transaction coordinator to partition leaders (Kafka's handleWriteTxnMarkersRequest):
/// for each marker, each partition named appends a commit or abort control batch (see
/// <see cref="Partition.AppendMarker"/>), all before the first await; then each append waits for acks=all for up to
/// Kafka's request.timeout.ms default (30 s). Per-partition errors: UNKNOWN_TOPIC_OR_PARTITION for a partition that
/// does not exist, NOT_LEADER_OR_FOLLOWER where this node does not lead it, otherwise the append's or the wait's
/// (NOT_ENOUGH_REPLICAS, INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED, REQUEST_TIMED_OUT,
/// NOT_ENOUGH_REPLICAS_AFTER_APPEND, KAFKA_STORAGE_ERROR). As Kafka builds the response from a map keyed by producer id,
/// markers of the same producer answer as one entry, in the order the producer first appears. Once a marker on a
/// __consumer_offsets partition counts, the group coordinator commits or drops the producer's pending offsets there.
/// With an authorizer, needs ALTER or CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED for every partition,
/// nothing written).
/// </summary>
internal sealed class WriteTxnMarkersHandler : ApiHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>
{
    private static readonly TimeSpan AppendTimeout = TimeSpan.FromMilliseconds(30_000);

    public override ApiKey Key => ApiKey.WriteTxnMarkers;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override async ValueTask<WriteTxnMarkersResponse?> HandleAsync(RequestContext context, WriteTxnMarkersRequest request)
    {
        var response = new WriteTxnMarkersResponse();
        var byProducer = new Dictionary<long, WriteTxnMarkersResponse.WritableTxnMarkerResult>();
        // Kafka's check: ALTER on the cluster, else CLUSTER_ACTION; refused, every partition answers CLUSTER_AUTHORIZATION_FAILED.
        var authorized = context.AuthorizeCluster(AclOperation.Alter) || context.AuthorizeCluster(AclOperation.ClusterAction);
        var waits = new List<(WriteTxnMarkersRequest.WritableTxnMarker Marker, WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult Reply, Partition Partition, long LastOffset)>();
        foreach (var marker in request.Markers)
        {
            if (!byProducer.TryGetValue(marker.ProducerId, out var result))
            {
                result = new WriteTxnMarkersResponse.WritableTxnMarkerResult { ProducerId = marker.ProducerId };
                byProducer.Add(marker.ProducerId, result);
                response.Markers.Add(result);
            }
            foreach (var topicMarker in marker.Topics)
            {
                var topicReply = result.Topics.Find(t => t.Name == topicMarker.Name);
                if (topicReply is null)
                {
                    topicReply = new WriteTxnMarkersResponse.WritableTxnMarkerTopicResult { Name = topicMarker.Name };
                    result.Topics.Add(topicReply);
                }
                var topic = context.Broker.Topics.Find(topicMarker.Name);
                foreach (var index in topicMarker.PartitionIndexes)
                {
                    var reply = new WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult { PartitionIndex = index };
                    topicReply.Partitions.Add(reply);
                    if (!authorized)
                        reply.ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed;
                    else if (Append(topic, index, marker, reply) is var (partition, lastOffset))
                        waits.Add((marker, reply, partition, lastOffset));
                }
            }
        }
        var fsync = context.Broker.Topics.Logs.Durability == DurabilityMode.GroupCommit;
        var acks = waits.Select(w => w.Partition.WaitForAcksAsync(w.LastOffset, fsync, AppendTimeout, context.Cancellation)).ToList();
        for (var i = 0; i < waits.Count; i++)
        {
            var (error, _) = await acks[i].ConfigureAwait(false);
            waits[i].Reply.ErrorCode = (short)error;
            // A marker on __consumer_offsets ends the producer's transactional offset commits there, once it counts.
            var (marker, _, partition, _) = waits[i];
            if (error == ErrorCode.None && partition.TopicPartition.Topic == Groups.OffsetsTopicStore.TopicName)
                context.Broker.Groups.CompleteTransaction(partition.TopicPartition.Partition, marker.ProducerId, marker.ProducerEpoch, marker.TransactionResult);
        }
        return response;
    }

    /// <summary>Appends one partition's marker; returns the partition and the marker's offset when it was appended (its acks are then awaited).</summary>
    private static (Partition Partition, long LastOffset)? Append(TopicState? topic, int index, WriteTxnMarkersRequest.WritableTxnMarker marker,
        WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult reply)
    {
        if (topic is null || !topic.Exists(index))
        {
            reply.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            return null;
        }
        if (topic.Partition(index) is not { } partition)
        {
            reply.ErrorCode = (short)ErrorCode.NotLeaderOrFollower;
            return null;
        }
        AppendOutcome outcome;
        try
        {
            outcome = partition.AppendMarker(marker.ProducerId, marker.ProducerEpoch, marker.CoordinatorEpoch, marker.TransactionResult);
        }
        catch (StorageException)
        {
            reply.ErrorCode = (short)ErrorCode.KafkaStorageError;
            return null;
        }
        reply.ErrorCode = (short)outcome.Error;
        return outcome.Succeeded ? (partition, outcome.LastOffset) : null;
    }
}
