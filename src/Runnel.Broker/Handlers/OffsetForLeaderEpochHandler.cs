using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// OffsetForLeaderEpoch v0-4 (KIP-101, KIP-320): the end offset of a leader epoch in a partition's log, answered by its
/// leader only, as Kafka does for consumers and replicas alike. Consumers use it after a leader change to check their
/// position was not truncated away. The answer is the largest epoch at most the one asked for and where the next began
/// (the log end for the current epoch); an epoch newer than any known gets -1/-1 with no error. UNKNOWN_TOPIC_OR_PARTITION
/// for a partition that does not exist; NOT_LEADER_OR_FOLLOWER where this node does not lead; the KIP-320 check of
/// CurrentLeaderEpoch (v2+) first. With an authorizer, a topic the principal may not DESCRIBE answers
/// TOPIC_AUTHORIZATION_FAILED, unless it may CLUSTER_ACTION on the cluster (a follower), as in Kafka.
/// </summary>
internal sealed class OffsetForLeaderEpochHandler : ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>
{
    public override ApiKey Key => ApiKey.OffsetForLeaderEpoch;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<OffsetForLeaderEpochResponse?> HandleAsync(RequestContext context, OffsetForLeaderEpochRequest request)
    {
        var response = new OffsetForLeaderEpochResponse();
        var clusterAction = context.HasAuthorizer() && context.AuthorizeCluster(AclOperation.ClusterAction);
        foreach (var topicRequest in request.Topics)
        {
            var topic = context.Broker.Topics.Find(topicRequest.Topic);
            var topicReply = new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult { Topic = topicRequest.Topic };
            response.Topics.Add(topicReply);
            var authorized = clusterAction || context.AuthorizeTopic(AclOperation.Describe, topicRequest.Topic);
            foreach (var partitionRequest in topicRequest.Partitions)
            {
                var reply = new OffsetForLeaderEpochResponse.EpochEndOffset { Partition = partitionRequest.Partition, LeaderEpoch = -1, EndOffset = -1 };
                topicReply.Partitions.Add(reply);
                if (!authorized)
                    reply.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                else if (Topics.TopicState.Leader(topic, partitionRequest.Partition, partitionRequest.CurrentLeaderEpoch, out var error) is not { } partition)
                    reply.ErrorCode = (short)error;
                else
                    (reply.LeaderEpoch, reply.EndOffset) = partition.EndOffsetForEpoch(partitionRequest.LeaderEpoch);
            }
        }
        return new(response);
    }
}
