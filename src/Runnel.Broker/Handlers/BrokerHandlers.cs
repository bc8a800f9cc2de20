using Runnel.Broker.Pipeline;

namespace Runnel.Broker.Handlers;

/// <summary>The handlers a broker serves; ApiVersions advertises exactly these.</summary>
internal static class BrokerHandlers
{
    /// <summary>The quorum's own APIs, served wherever the controller role runs.</summary>
    public static IEnumerable<ApiHandler> Quorum() =>
    [
        new VoteHandler(),
        new BeginQuorumEpochHandler(),
        new EndQuorumEpochHandler(),
        new FetchSnapshotHandler(),
        new DescribeQuorumHandler(),
    ];

    public static IEnumerable<ApiHandler> Create() =>
    [
        new ApiVersionsHandler(),
        new MetadataHandler(),
        new ProduceHandler(),
        new FetchHandler(),
        new ListOffsetsHandler(),
        new CreateTopicsHandler(),
        new DeleteTopicsHandler(),
        new DeleteRecordsHandler(),
        new DescribeConfigsHandler(),
        new AlterConfigsHandler(),
        new DescribeLogDirsHandler(),
        new CreatePartitionsHandler(),
        new IncrementalAlterConfigsHandler(),
        new DescribeClusterHandler(),
        new FindCoordinatorHandler(),
        new JoinGroupHandler(),
        new SyncGroupHandler(),
        new HeartbeatHandler(),
        new LeaveGroupHandler(),
        new OffsetCommitHandler(),
        new OffsetFetchHandler(),
        new DescribeGroupsHandler(),
        new ListGroupsHandler(),
        new DeleteGroupsHandler(),
        new OffsetDeleteHandler(),
        new InitProducerIdHandler(),
    ];
}
