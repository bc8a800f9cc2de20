using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Storage;

namespace Runnel.Broker.Handlers;

/// <summary>
/// AddPartitionsToTxn v0-5. v0-3 (clients) add one transaction's partitions; v4+ (KIP-890, brokers verifying a
/// transactional produce) carry several transactions, each either added or, with verify_only, checked. As in Kafka, a
/// partition that does not exist fails the whole transaction: it gets UNKNOWN_TOPIC_OR_PARTITION, the others
/// OPERATION_NOT_ATTEMPTED, and nothing is added; otherwise every partition carries the coordinator's answer.
/// With an authorizer: v4+ (from brokers) needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED); below v4
/// WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED for every partition) and on each topic
/// (TOPIC_AUTHORIZATION_FAILED, the other partitions OPERATION_NOT_ATTEMPTED).
/// </summary>
internal sealed class AddPartitionsToTxnHandler : ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>
{
    public override ApiKey Key => ApiKey.AddPartitionsToTxn;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    /// <summary>From v4 the callers are brokers verifying transactions, outside request quotas.</summary>
    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => version >= 4;

    protected override async ValueTask<AddPartitionsToTxnResponse?> HandleAsync(RequestContext context, AddPartitionsToTxnRequest request)
    {
        // v4+ comes from brokers (KIP-890 verification), below v4 from producers, which need WRITE on the id and topics.
        if (context.Version >= 4 && !context.AuthorizeCluster(AclOperation.ClusterAction))
            return new AddPartitionsToTxnResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed };
        if (context.Version < 4)
        {
            var results = await HandleOneAsync(context, request.V3AndBelowTransactionalId, request.V3AndBelowProducerId, request.V3AndBelowProducerEpoch,
                verifyOnly: false, request.V3AndBelowTopics).ConfigureAwait(false);
            return new AddPartitionsToTxnResponse { ResultsByTopicV3AndBelow = results };
        }
        var response = new AddPartitionsToTxnResponse();
        foreach (var transaction in request.Transactions)
        {
            response.ResultsByTransaction.Add(new AddPartitionsToTxnResponse.AddPartitionsToTxnResult
            {
                TransactionalId = transaction.TransactionalId,
                TopicResults = await HandleOneAsync(context, transaction.TransactionalId, transaction.ProducerId, transaction.ProducerEpoch,
                    transaction.VerifyOnly, transaction.Topics).ConfigureAwait(false),
            });
        }
        return response;
    }

    private static async Task<List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult>> HandleOneAsync(RequestContext context, string transactionalId,
        long producerId, short producerEpoch, bool verifyOnly, List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics)
    {
        var partitions = topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p))).Distinct().ToList();
        if (context.Version < 4 && !context.AuthorizeTransactionalId(AclOperation.Write, transactionalId))
            return Results(partitions, _ => ErrorCode.TransactionalIdAuthorizationFailed, context.Version);
        if (context.Version < 4 && context.HasAuthorizer())
        {
            var refused = topics.Where(t => !context.AuthorizeTopic(AclOperation.Write, t.Name)).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            if (refused.Count > 0)
                return Results(partitions, p => refused.Contains(p.Topic) ? ErrorCode.TopicAuthorizationFailed : ErrorCode.OperationNotAttempted, context.Version);
        }
        var unknown = partitions.Where(p => context.Broker.Topics.Find(p.Topic)?.Exists(p.Partition) != true).ToHashSet();
        if (unknown.Count > 0)
            return Results(partitions, p => unknown.Contains(p) ? ErrorCode.UnknownTopicOrPartition : ErrorCode.OperationNotAttempted, context.Version);
        if (context.Broker.Transactions is not { } coordinator)
            return Results(partitions, _ => ErrorCode.CoordinatorNotAvailable, context.Version);
        if (verifyOnly)
        {
            var verified = coordinator.VerifyPartitions(transactionalId, producerId, producerEpoch, partitions);
            return Results(partitions, p => verified[p], context.Version);
        }
        var error = await coordinator.AddPartitionsAsync(transactionalId, producerId, producerEpoch, partitions).ConfigureAwait(false);
        return Results(partitions, _ => error, context.Version);
    }

    private static List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> Results(List<TopicPartition> partitions, Func<TopicPartition, ErrorCode> error,
        short version)
        => [.. partitions.GroupBy(p => p.Topic).Select(t => new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult
        {
            Name = t.Key,
            ResultsByPartition = [.. t.Select(p => new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult
            {
                PartitionIndex = p.Partition,
                PartitionErrorCode = TransactionErrors.ForVersion(error(p), version, fencedSince: 2),
            })],
        })];
}
