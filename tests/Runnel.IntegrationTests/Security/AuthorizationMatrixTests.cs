using Runnel.IntegrationTests.Fixtures;
using Runnel.IntegrationTests.Transactions;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// Every API with an ACL check, over SASL_PLAINTEXT with raw frames, for four principals: alice has no ACLs (refused),
/// bob the ACL the API needs (not refused), carol that ACL and a DENY of it (refused: DENY wins), admin is a super user
/// with no ACLs (not refused). Each case uses its own topic, group or transactional id.
/// </summary>
public sealed class AuthorizationMatrixTests(AclFixture fixture) : IClassFixture<AclFixture>
{
    private const sbyte Topic = 2, Group = 3, Cluster = 4, TransactionalId = 5;
    private const sbyte Read = 3, Write = 4, Create = 5, Delete = 6, Alter = 7, Describe = 8, ClusterAction = 9, DescribeConfigs = 10, AlterConfigs = 11;

    private static readonly short[] AuthorizationErrors =
        [(short)ErrorCode.TopicAuthorizationFailed, (short)ErrorCode.GroupAuthorizationFailed, (short)ErrorCode.ClusterAuthorizationFailed, (short)ErrorCode.TransactionalIdAuthorizationFailed];

    /// <summary>One API's check: the resource and operation it needs, the error when refused, and a request returning the error to look at.</summary>
    public sealed record Case(sbyte Type, sbyte Operation, ErrorCode Refused, bool NeedsTopic, Func<RawKafkaConnection, string, Task<short>> Call);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["Produce"] = new(Topic, Write, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, new ProduceRequest
        {
            Acks = 1,
            TimeoutMs = 5000,
            TopicData = [new() { Name = t, PartitionData = [new() { Index = 0, Records = RawTransactions.PlainBatch("v") }] }],
        })).Responses[0].PartitionResponses[0].ErrorCode),
        ["Fetch"] = new(Topic, Read, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<FetchResponse>(ApiKey.Fetch, 12, new FetchRequest
        {
            MaxWaitMs = 0,
            MaxBytes = 1 << 20,
            Topics = [new() { Topic = t, Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
        })).Responses[0].Partitions[0].ErrorCode),
        ["ListOffsets"] = new(Topic, Describe, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<ListOffsetsResponse>(ApiKey.ListOffsets, 7, new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = t, Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] }],
        })).Topics[0].Partitions[0].ErrorCode),
        ["OffsetForLeaderEpoch"] = new(Topic, Describe, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, 4, new OffsetForLeaderEpochRequest
        {
            ReplicaId = -1,
            Topics = [new() { Topic = t, Partitions = [new() { Partition = 0, LeaderEpoch = 0 }] }],
        })).Topics[0].Partitions[0].ErrorCode),
        ["Metadata"] = new(Topic, Describe, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest
        {
            Topics = [new() { Name = t }],
        })).Topics[0].ErrorCode),
        ["CreateTopics"] = new(Topic, Create, ErrorCode.TopicAuthorizationFailed, false, async (c, t) => (await c.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            Topics = [new() { Name = t, NumPartitions = 1, ReplicationFactor = 1 }],
        })).Topics[0].ErrorCode),
        ["DeleteTopics"] = new(Topic, Delete, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<DeleteTopicsResponse>(ApiKey.DeleteTopics, 6, new DeleteTopicsRequest
        {
            Topics = [new() { Name = t }],
            TimeoutMs = 5000,
        })).Responses[0].ErrorCode),
        ["CreatePartitions"] = new(Topic, Alter, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, 3, new CreatePartitionsRequest
        {
            Topics = [new() { Name = t, Count = 2 }],
            TimeoutMs = 5000,
            ValidateOnly = true,
        })).Results[0].ErrorCode),
        ["DeleteRecords"] = new(Topic, Delete, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<DeleteRecordsResponse>(ApiKey.DeleteRecords, 2, new DeleteRecordsRequest
        {
            Topics = [new() { Name = t, Partitions = [new() { PartitionIndex = 0, Offset = -1 }] }],
            TimeoutMs = 5000,
        })).Topics[0].Partitions[0].ErrorCode),
        ["DescribeConfigs"] = new(Topic, DescribeConfigs, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, new DescribeConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = t }],
        })).Results[0].ErrorCode),
        ["IncrementalAlterConfigs"] = new(Topic, AlterConfigs, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = t, Configs = [new() { Name = "retention.ms", ConfigOperation = 0, Value = "600000" }] }],
        })).Responses[0].ErrorCode),
        ["DescribeProducers"] = new(Topic, Read, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<DescribeProducersResponse>(ApiKey.DescribeProducers, 0, new DescribeProducersRequest
        {
            Topics = [new() { Name = t, PartitionIndexes = [0] }],
        })).Topics[0].Partitions[0].ErrorCode),
        ["FindCoordinator"] = new(Group, Describe, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<FindCoordinatorResponse>(ApiKey.FindCoordinator, 4, new FindCoordinatorRequest
        {
            KeyType = 0,
            CoordinatorKeys = [g],
        })).Coordinators[0].ErrorCode),
        ["JoinGroup"] = new(Group, Read, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<JoinGroupResponse>(ApiKey.JoinGroup, 5, new JoinGroupRequest
        {
            GroupId = g,
            SessionTimeoutMs = 10_000,
            RebalanceTimeoutMs = 10_000,
            MemberId = "",
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = [] }],
        })).ErrorCode),
        ["Heartbeat"] = new(Group, Read, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<HeartbeatResponse>(ApiKey.Heartbeat, 4, new HeartbeatRequest
        {
            GroupId = g,
            GenerationId = 1,
            MemberId = "m",
        })).ErrorCode),
        ["OffsetFetch"] = new(Group, Describe, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, 8, new OffsetFetchRequest
        {
            Groups = [new() { GroupId = g, Topics = null }],
        })).Groups[0].ErrorCode),
        ["OffsetCommit"] = new(Group, Read, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<OffsetCommitResponse>(ApiKey.OffsetCommit, 8, new OffsetCommitRequest
        {
            GroupId = g,
            MemberId = "",
            Topics = [new() { Name = AclFixture.ReadableTopic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] }],
        })).Topics[0].Partitions[0].ErrorCode),
        ["ConsumerGroupHeartbeat"] = new(Group, Read, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, 0, new ConsumerGroupHeartbeatRequest
        {
            GroupId = g,
            MemberId = "m",
            MemberEpoch = 0,
            RebalanceTimeoutMs = 30_000,
            SubscribedTopicNames = [],
            TopicPartitions = [],
        })).ErrorCode),
        ["ConsumerGroupDescribe"] = new(Group, Describe, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, 0, new ConsumerGroupDescribeRequest
        {
            GroupIds = [g],
        })).Groups[0].ErrorCode),
        ["DescribeGroups"] = new(Group, Describe, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<DescribeGroupsResponse>(ApiKey.DescribeGroups, 5, new DescribeGroupsRequest
        {
            Groups = [g],
        })).Groups[0].ErrorCode),
        ["DeleteGroups"] = new(Group, Delete, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, new DeleteGroupsRequest
        {
            GroupsNames = [g],
        })).Results[0].ErrorCode),
        ["OffsetDelete"] = new(Group, Delete, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<OffsetDeleteResponse>(ApiKey.OffsetDelete, 0, new OffsetDeleteRequest
        {
            GroupId = g,
        })).ErrorCode),
        ["InitProducerId"] = new(TransactionalId, Write, ErrorCode.TransactionalIdAuthorizationFailed, false, async (c, x) => (await c.RequestAsync<InitProducerIdResponse>(ApiKey.InitProducerId, 4, new InitProducerIdRequest
        {
            TransactionalId = x,
            TransactionTimeoutMs = 60_000,
            ProducerId = -1,
            ProducerEpoch = -1,
        })).ErrorCode),
        ["EndTxn"] = new(TransactionalId, Write, ErrorCode.TransactionalIdAuthorizationFailed, false, async (c, x) => (await c.RequestAsync<EndTxnResponse>(ApiKey.EndTxn, 3, new EndTxnRequest
        {
            TransactionalId = x,
            ProducerId = 12345,
            ProducerEpoch = 0,
            Committed = true,
        })).ErrorCode),
        ["DescribeTransactions"] = new(TransactionalId, Describe, ErrorCode.TransactionalIdAuthorizationFailed, false, async (c, x) => (await c.RequestAsync<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, 0, new DescribeTransactionsRequest
        {
            TransactionalIds = [x],
        })).TransactionStates[0].ErrorCode),
        ["DescribeCluster"] = new(Cluster, Describe, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<DescribeClusterResponse>(ApiKey.DescribeCluster, 1, new DescribeClusterRequest())).ErrorCode),
        ["DescribeLogDirs"] = new(Cluster, Describe, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, 4, new DescribeLogDirsRequest { Topics = null })).ErrorCode),
        ["DescribeQuorum"] = new(Cluster, Describe, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, 2, new DescribeQuorumRequest())).ErrorCode),
        ["ListPartitionReassignments"] = new(Cluster, Describe, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<ListPartitionReassignmentsResponse>(ApiKey.ListPartitionReassignments, 0, new ListPartitionReassignmentsRequest())).ErrorCode),
        ["AlterPartitionReassignments"] = new(Cluster, Alter, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<AlterPartitionReassignmentsResponse>(ApiKey.AlterPartitionReassignments, 0, new AlterPartitionReassignmentsRequest())).ErrorCode),
        ["ElectLeaders"] = new(Cluster, Alter, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<ElectLeadersResponse>(ApiKey.ElectLeaders, 2, new ElectLeadersRequest { TopicPartitions = [] })).ErrorCode),
        ["DescribeUserScramCredentials"] = new(Cluster, Describe, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) =>
            (await c.RequestAsync<DescribeUserScramCredentialsResponse>(ApiKey.DescribeUserScramCredentials, 0, new DescribeUserScramCredentialsRequest { Users = null })).ErrorCode),
        // Deleting a credential nobody has changes nothing: RESOURCE_NOT_FOUND once authorized.
        ["AlterUserScramCredentials"] = new(Cluster, Alter, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) =>
            (await c.RequestAsync<AlterUserScramCredentialsResponse>(ApiKey.AlterUserScramCredentials, 0, new AlterUserScramCredentialsRequest
            {
                Deletions = [new() { Name = "nobody-here", Mechanism = 1 }],
            })).Results[0].ErrorCode),
        ["DescribeClientQuotas"] = new(Cluster, DescribeConfigs, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) =>
            (await c.RequestAsync<DescribeClientQuotasResponse>(ApiKey.DescribeClientQuotas, 1, new DescribeClientQuotasRequest())).ErrorCode),
        ["AlterClientQuotas"] = new(Cluster, AlterConfigs, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) =>
            (await c.RequestAsync<AlterClientQuotasResponse>(ApiKey.AlterClientQuotas, 1, new AlterClientQuotasRequest
            {
                ValidateOnly = true,
                Entries = [new() { Entity = [new() { EntityType = "client-id", EntityName = "matrix" }], Ops = [new() { Key = "producer_byte_rate", Value = 1024 }] }],
            })).Entries[0].ErrorCode),
        ["DescribeAcls"] = new(Cluster, Describe, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, new DescribeAclsRequest
        {
            ResourceTypeFilter = 1,
            PatternTypeFilter = 1,
            Operation = 1,
            PermissionType = 1,
        })).ErrorCode),
        ["CreateAcls"] = new(Cluster, Alter, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<CreateAclsResponse>(ApiKey.CreateAcls, 3, new CreateAclsRequest
        {
            Creations = [AclFixture.Acl("nobody", Topic, "unused", Read)],
        })).Results[0].ErrorCode),
        ["DeleteAcls"] = new(Cluster, Alter, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<DeleteAclsResponse>(ApiKey.DeleteAcls, 3, new DeleteAclsRequest
        {
            Filters = [new() { ResourceTypeFilter = 2, ResourceNameFilter = "unused", PatternTypeFilter = 3, PrincipalFilter = "User:nobody", Operation = 1, PermissionType = 1 }],
        })).FilterResults[0].ErrorCode),
        ["AlterPartition"] = new(Cluster, ClusterAction, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<AlterPartitionResponse>(ApiKey.AlterPartition, 3, new AlterPartitionRequest { BrokerId = 99 })).ErrorCode),
        ["BrokerHeartbeat"] = new(Cluster, ClusterAction, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<BrokerHeartbeatResponse>(ApiKey.BrokerHeartbeat, 1, new BrokerHeartbeatRequest { BrokerId = 99, BrokerEpoch = 1 })).ErrorCode),
    };

    public static TheoryData<string> Apis => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task No_acl_and_a_deny_are_refused_the_needed_acl_and_a_super_user_are_not(string api)
    {
        var check = Cases[api];
        var resource = check.Type == Cluster ? "kafka-cluster" : $"m-{api.ToLowerInvariant()}";
        if (check.NeedsTopic)
            await fixture.CreateTopicAsync(resource);
        // Cases on the cluster share its ACLs per operation; creating one that exists changes nothing.
        await fixture.AddAclsAsync(AclFixture.Acl("bob", check.Type, resource, check.Operation), AclFixture.Acl("carol", check.Type, resource, check.Operation),
            AclFixture.Acl("carol", check.Type, resource, check.Operation, allow: false));

        foreach (var (user, refused) in new[] { ("alice", true), ("carol", true), ("bob", false), ("admin", false) })
        {
            await using var connection = await fixture.ConnectAsync(user);
            var error = await check.Call(connection, resource);
            if (refused)
                Assert.True(error == (short)check.Refused, $"{api} as {user}: expected {check.Refused}, got {(ErrorCode)error}");
            else
                Assert.False(AuthorizationErrors.Contains(error), $"{api} as {user}: refused with {(ErrorCode)error}");
        }
    }

    [Fact]
    public void Every_api_with_an_acl_check_is_in_the_matrix()
    {
        var checkedApis = Cases.Keys.Select(Enum.Parse<ApiKey>).ToHashSet();
        ApiKey[] open = [ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate];
        // Covered elsewhere or not safe to send from a client to a live quorum: the quorum's own APIs, the broker-to-broker
        // ones and those that need a live transaction or a rebalance (their checks are the helpers the matrix exercises).
        ApiKey[] elsewhere = [ApiKey.Vote, ApiKey.BeginQuorumEpoch, ApiKey.EndQuorumEpoch, ApiKey.FetchSnapshot, ApiKey.BrokerRegistration, ApiKey.AllocateProducerIds,
            ApiKey.WriteTxnMarkers, ApiKey.AddPartitionsToTxn, ApiKey.AddOffsetsToTxn, ApiKey.TxnOffsetCommit, ApiKey.ListTransactions, ApiKey.ListGroups, ApiKey.SyncGroup,
            ApiKey.LeaveGroup, ApiKey.AlterConfigs, ApiKey.DescribeTopicPartitions, ApiKey.ListConfigResources];
        var served = fixture.Broker.Broker.Services.Handlers.All.Select(h => h.Key);
        Assert.Empty(served.Except(checkedApis).Except(open).Except(elsewhere));
    }
}
