using Runnel.Protocol.Generator;

namespace Runnel.Protocol.Tests.Schema;

public sealed class GeneratedCodeTests
{
    [Fact]
    public void Generated_code_matches_the_schema()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = GeneratorRun.Run(ReferenceSpecs.RepositoryRoot, check: true, output, error);
        Assert.True(exitCode == 0, "run `dotnet run --project src/Runnel.Protocol.Generator`:\n" + error);
    }

    [Fact]
    public void Catalog_lists_every_api_the_protocol_issue_names()
    {
        string[] required =
        [
            "Produce", "Fetch", "ListOffsets", "Metadata", "OffsetCommit", "OffsetFetch", "FindCoordinator", "JoinGroup",
            "Heartbeat", "LeaveGroup", "SyncGroup", "DescribeGroups", "ListGroups", "SaslHandshake", "ApiVersions",
            "CreateTopics", "DeleteTopics", "DeleteRecords", "InitProducerId", "OffsetForLeaderEpoch", "AddPartitionsToTxn",
            "AddOffsetsToTxn", "EndTxn", "WriteTxnMarkers", "TxnOffsetCommit", "DescribeAcls", "CreateAcls", "DeleteAcls",
            "DescribeConfigs", "AlterConfigs", "DescribeLogDirs", "SaslAuthenticate", "CreatePartitions", "DeleteGroups",
            "ElectLeaders", "IncrementalAlterConfigs", "OffsetDelete", "DescribeClientQuotas", "AlterClientQuotas",
            "DescribeUserScramCredentials", "AlterUserScramCredentials", "DescribeCluster", "DescribeProducers",
            "DescribeTransactions", "ListTransactions", "ConsumerGroupHeartbeat", "ConsumerGroupDescribe",
            "DescribeTopicPartitions", "Vote", "BeginQuorumEpoch", "EndQuorumEpoch", "DescribeQuorum", "AlterPartition",
            "FetchSnapshot", "BrokerRegistration", "BrokerHeartbeat", "UpdateFeatures",
            // Partition replication and reassignment.
            "AllocateProducerIds", "AlterPartitionReassignments", "ListPartitionReassignments", "AlterReplicaLogDirs",
            "UnregisterBroker",
        ];
        Assert.Empty(required.Except(ApiCatalog.All.Select(a => a.Name)));
    }

    [Fact]
    public void ApiVersions_responses_always_use_header_v0()
    {
        var api = ApiCatalog.Get(ApiKey.ApiVersions);
        for (short version = 0; version <= api.HighestVersion; version++)
            Assert.Equal(0, api.ResponseHeaderVersion(version));
        Assert.Equal(2, api.RequestHeaderVersion(3));
        Assert.Equal(1, ApiCatalog.Get(ApiKey.Metadata).ResponseHeaderVersion(9));
    }
}
