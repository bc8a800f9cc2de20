using Runnel.Broker.Pipeline;

namespace Runnel.Broker.Handlers;

/// <summary>The handlers a broker serves; ApiVersions advertises exactly these.</summary>
internal static class BrokerHandlers
{
    /// <summary>The quorum's own APIs and the brokers' registration with it, served wherever the controller role runs.</summary>
    public static IEnumerable<ApiHandler> Quorum() =>
    [
        new VoteHandler(),
        new BeginQuorumEpochHandler(),
        new EndQuorumEpochHandler(),
        new FetchSnapshotHandler(),
        new DescribeQuorumHandler(),
        new BrokerRegistrationHandler(),
        new BrokerHeartbeatHandler(),
        new AlterPartitionHandler(),
        new AllocateProducerIdsHandler(),
    ];

    /// <summary>A broker-only node follows the quorum: it tells what it knows of it (the leader, so a tool can go there).</summary>
    /// <summary>
    /// InitProducerId, on every node: ids come from blocks the active controller commits (in-process when it is this
    /// node, otherwise asked for with AllocateProducerIds).
    /// </summary>
    public static IEnumerable<ApiHandler> ProducerIds() => [new InitProducerIdHandler()];

    public static IEnumerable<ApiHandler> Observer() => [new DescribeQuorumHandler()];

    public static IEnumerable<ApiHandler> Create() =>
    [
        new ApiVersionsHandler(),
        new SaslHandshakeHandler(),
        new SaslAuthenticateHandler(),
        new MetadataHandler(),
        new ProduceHandler(),
        new FetchHandler(),
        new ListOffsetsHandler(),
        new OffsetForLeaderEpochHandler(),
        new CreateTopicsHandler(),
        new DeleteTopicsHandler(),
        new DeleteRecordsHandler(),
        new DescribeConfigsHandler(),
        new ListConfigResourcesHandler(),
        new AlterConfigsHandler(),
        new DescribeLogDirsHandler(),
        new CreatePartitionsHandler(),
        new IncrementalAlterConfigsHandler(),
        new DescribeClusterHandler(),
        new DescribeTopicPartitionsHandler(),
        new ElectLeadersHandler(),
        new AlterPartitionReassignmentsHandler(),
        new ListPartitionReassignmentsHandler(),
        new FindCoordinatorHandler(),
        new JoinGroupHandler(),
        new SyncGroupHandler(),
        new HeartbeatHandler(),
        new ConsumerGroupHeartbeatHandler(),
        new ConsumerGroupDescribeHandler(),
        new LeaveGroupHandler(),
        new OffsetCommitHandler(),
        new OffsetFetchHandler(),
        new DescribeGroupsHandler(),
        new ListGroupsHandler(),
        new DeleteGroupsHandler(),
        new OffsetDeleteHandler(),
        new AddPartitionsToTxnHandler(),
        new AddOffsetsToTxnHandler(),
        new EndTxnHandler(),
        new ListTransactionsHandler(),
        new DescribeTransactionsHandler(),
        new DescribeProducersHandler(),
        new TxnOffsetCommitHandler(),
        new WriteTxnMarkersHandler(),
        new DescribeAclsHandler(),
        new CreateAclsHandler(),
        new DeleteAclsHandler(),
        new DescribeUserScramCredentialsHandler(),
        new AlterUserScramCredentialsHandler(),
        new DescribeClientQuotasHandler(),
        new AlterClientQuotasHandler(),
    ];
}
