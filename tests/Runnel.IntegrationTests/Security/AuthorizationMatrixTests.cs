using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.IntegrationTests.Transactions;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using ErrorCode = Runnel.Protocol.ErrorCode;

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

    /// <summary>
    /// One API's check: the resource and operation it needs, the error when refused, and a request returning the error
    /// to look at. <see cref="AlsoNeeds"/>: further ACLs every user is given (a resource named "{0}" is the case's own
    /// name), for APIs whose checked resource comes after another check.
    /// </summary>
    public sealed record Case(sbyte Type, sbyte Operation, ErrorCode Refused, bool NeedsTopic, Func<RawKafkaConnection, string, Task<short>> Call)
    {
        public (sbyte Type, string Name, sbyte Operation)[] AlsoNeeds { get; init; } = [];
    }

    private const string NotThisCluster = "not-this-cluster";

    private static readonly string[] NonSuperUsers = ["alice", "bob", "carol"];

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
        ["SyncGroup"] = new(Group, Read, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<SyncGroupResponse>(ApiKey.SyncGroup, 5, new SyncGroupRequest
        {
            GroupId = g,
            GenerationId = 1,
            MemberId = "m",
            ProtocolType = "consumer",
            ProtocolName = "range",
        })).ErrorCode),
        ["LeaveGroup"] = new(Group, Read, ErrorCode.GroupAuthorizationFailed, false, async (c, g) => (await c.RequestAsync<LeaveGroupResponse>(ApiKey.LeaveGroup, 5, new LeaveGroupRequest
        {
            GroupId = g,
            Members = [new() { MemberId = "m" }],
        })).ErrorCode),
        ["AlterConfigs"] = new(Topic, AlterConfigs, ErrorCode.TopicAuthorizationFailed, true, async (c, t) => (await c.RequestAsync<AlterConfigsResponse>(ApiKey.AlterConfigs, 2, new AlterConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = t, Configs = [new() { Name = "retention.ms", Value = "600000" }] }],
            ValidateOnly = true,
        })).Responses[0].ErrorCode),
        ["DescribeTopicPartitions"] = new(Topic, Describe, ErrorCode.TopicAuthorizationFailed, true, async (c, t) =>
            (await c.RequestAsync<DescribeTopicPartitionsResponse>(ApiKey.DescribeTopicPartitions, 0, new DescribeTopicPartitionsRequest { Topics = [new() { Name = t }] })).Topics[0].ErrorCode),
        ["ListConfigResources"] = new(Cluster, DescribeConfigs, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) =>
            (await c.RequestAsync<ListConfigResourcesResponse>(ApiKey.ListConfigResources, 1, new ListConfigResourcesRequest { ResourceTypes = [2] })).ErrorCode),
        // A transaction nobody began: INVALID_PRODUCER_ID_MAPPING (or like) once every check passes; nothing changes.
        ["AddPartitionsToTxn"] = new(TransactionalId, Write, ErrorCode.TransactionalIdAuthorizationFailed, false, async (c, x) =>
            (await c.RequestAsync<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, 3, new AddPartitionsToTxnRequest
            {
                V3AndBelowTransactionalId = x,
                V3AndBelowProducerId = 12345,
                V3AndBelowProducerEpoch = 0,
                V3AndBelowTopics = [new() { Name = AclFixture.ReadableTopic, Partitions = [0] }],
            })).ResultsByTopicV3AndBelow[0].ResultsByPartition[0].PartitionErrorCode)
        {
            AlsoNeeds = [(Topic, AclFixture.ReadableTopic, Write)],
        },
        ["AddOffsetsToTxn"] = new(TransactionalId, Write, ErrorCode.TransactionalIdAuthorizationFailed, false, async (c, x) =>
            (await c.RequestAsync<AddOffsetsToTxnResponse>(ApiKey.AddOffsetsToTxn, 3, new AddOffsetsToTxnRequest
            {
                TransactionalId = x,
                ProducerId = 12345,
                ProducerEpoch = 0,
                GroupId = x,
            })).ErrorCode)
        {
            AlsoNeeds = [(Group, "{0}", Read)],
        },
        ["TxnOffsetCommit"] = new(TransactionalId, Write, ErrorCode.TransactionalIdAuthorizationFailed, false, async (c, x) =>
            (await c.RequestAsync<TxnOffsetCommitResponse>(ApiKey.TxnOffsetCommit, 3, new TxnOffsetCommitRequest
            {
                TransactionalId = x,
                GroupId = x,
                ProducerId = 12345,
                ProducerEpoch = 0,
                Topics = [new() { Name = AclFixture.ReadableTopic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] }],
            })).Topics[0].Partitions[0].ErrorCode)
        {
            AlsoNeeds = [(Group, "{0}", Read)],
        },
        // A marker for a topic that does not exist: UNKNOWN_TOPIC_OR_PARTITION once authorized, no log written.
        ["WriteTxnMarkers"] = new(Cluster, ClusterAction, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) =>
            (await c.RequestAsync<WriteTxnMarkersResponse>(ApiKey.WriteTxnMarkers, 1, new WriteTxnMarkersRequest
            {
                Markers = [new() { ProducerId = 12345, ProducerEpoch = 0, TransactionResult = false, CoordinatorEpoch = 0, Topics = [new() { Name = "m-no-such-topic", PartitionIndexes = [0] }] }],
            })).Markers[0].Topics[0].Partitions[0].ErrorCode),
        // The node's own id (1) with another incarnation: DUPLICATE_BROKER_REGISTRATION once authorized, nothing registered.
        // (Not another id: a node without cluster.id accepts any cluster id, and a registered broker takes replicas.)
        ["BrokerRegistration"] = new(Cluster, ClusterAction, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) =>
            (await c.RequestAsync<BrokerRegistrationResponse>(ApiKey.BrokerRegistration, 4, new BrokerRegistrationRequest { BrokerId = 1, ClusterId = NotThisCluster, IncarnationId = Guid.NewGuid() })).ErrorCode),
        // The quorum's own APIs with another cluster's id: INCONSISTENT_CLUSTER_ID once authorized, the quorum untouched.
        ["Vote"] = new(Cluster, ClusterAction, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<VoteResponse>(ApiKey.Vote, 2, new VoteRequest
        {
            ClusterId = NotThisCluster,
            VoterId = 1,
            Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0, CandidateEpoch = 0, CandidateId = 99, LastOffsetEpoch = 0, LastOffset = 0 }] }],
        })).ErrorCode),
        ["BeginQuorumEpoch"] = new(Cluster, ClusterAction, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<BeginQuorumEpochResponse>(ApiKey.BeginQuorumEpoch, 1, new BeginQuorumEpochRequest
        {
            ClusterId = NotThisCluster,
            VoterId = 1,
            Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0, LeaderId = 99, LeaderEpoch = 0 }] }],
        })).ErrorCode),
        ["EndQuorumEpoch"] = new(Cluster, ClusterAction, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<EndQuorumEpochResponse>(ApiKey.EndQuorumEpoch, 1, new EndQuorumEpochRequest
        {
            ClusterId = NotThisCluster,
            Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0, LeaderId = 99, LeaderEpoch = 0 }] }],
        })).ErrorCode),
        ["FetchSnapshot"] = new(Cluster, ClusterAction, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) => (await c.RequestAsync<FetchSnapshotResponse>(ApiKey.FetchSnapshot, 1, new FetchSnapshotRequest
        {
            ClusterId = NotThisCluster,
            ReplicaId = 99,
            Topics = [new() { Name = "__cluster_metadata", Partitions = [new() { Partition = 0, CurrentLeaderEpoch = 0, SnapshotId = new() { EndOffset = 0, Epoch = 0 } }] }],
        })).ErrorCode),
        ["AllocateProducerIds"] = new(Cluster, ClusterAction, ErrorCode.ClusterAuthorizationFailed, false, async (c, _) =>
            (await c.RequestAsync<AllocateProducerIdsResponse>(ApiKey.AllocateProducerIds, 0, new AllocateProducerIdsRequest { BrokerId = 99, BrokerEpoch = 1 })).ErrorCode),
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
        foreach (var (type, name, operation) in check.AlsoNeeds)
            await fixture.AddAclsAsync([.. NonSuperUsers.Select(u => AclFixture.Acl(u, type, string.Format(System.Globalization.CultureInfo.InvariantCulture, name, resource), operation))]);

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
        // These filter what they list rather than refuse (by Describe on each group or transactional id): tested below.
        ApiKey[] elsewhere = [ApiKey.ListTransactions, ApiKey.ListGroups];
        var served = fixture.Broker.Broker.Services.Handlers.All.Select(h => h.Key);
        Assert.Empty(served.Except(checkedApis).Except(open).Except(elsewhere));
    }

    [Fact]
    public async Task ListGroups_and_ListTransactions_show_only_what_a_principal_may_describe()
    {
        await fixture.CreateTopicAsync("m-listed-topic");
        // Confluent.Kafka as the super user makes the groups (a commit) and the transactional ids (InitTransactions).
        KafkaNative.EnsureLoaded();
        var sasl = new ClientConfig
        {
            BootstrapServers = fixture.Broker.Bootstrap,
            SecurityProtocol = SecurityProtocol.SaslPlaintext,
            SaslMechanism = SaslMechanism.Plain,
            SaslUsername = "admin",
            SaslPassword = "admin-secret",
        };
        foreach (var name in new[] { "m-listed-visible", "m-listed-hidden" })
        {
            using (var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig(sasl) { GroupId = name }).Build())
                consumer.Commit([new TopicPartitionOffset("m-listed-topic", 0, 0)]);
            using var producer = new ProducerBuilder<Null, Null>(new ProducerConfig(sasl) { TransactionalId = name }).Build();
            producer.InitTransactions(TimeSpan.FromSeconds(30));
        }
        // carol: the matrix gives her a DENY of Describe on the cluster, so only her ACLs on each group count (bob's
        // Describe on the cluster would show him every group, as in Kafka).
        await fixture.AddAclsAsync(AclFixture.Acl("carol", Group, "m-listed-visible", Describe), AclFixture.Acl("carol", TransactionalId, "m-listed-visible", Describe),
            AclFixture.Acl("carol", Cluster, "kafka-cluster", Describe, allow: false));

        async Task<(List<string> Groups, List<string> Transactions)> ListAsync(string user)
        {
            await using var connection = await fixture.ConnectAsync(user);
            var groups = await connection.RequestAsync<ListGroupsResponse>(ApiKey.ListGroups, 4, new ListGroupsRequest());
            var transactions = await connection.RequestAsync<ListTransactionsResponse>(ApiKey.ListTransactions, 1, new ListTransactionsRequest());
            Assert.Equal(0, groups.ErrorCode);
            Assert.Equal(0, transactions.ErrorCode);
            return ([.. groups.Groups.Select(g => g.GroupId).Where(g => g.StartsWith("m-listed-", StringComparison.Ordinal)).Order()],
                [.. transactions.TransactionStates.Select(t => t.TransactionalId).Where(t => t.StartsWith("m-listed-", StringComparison.Ordinal)).Order()]);
        }

        var asAdmin = await ListAsync("admin");
        Assert.Equal(["m-listed-hidden", "m-listed-visible"], asAdmin.Groups);
        Assert.Equal(["m-listed-hidden", "m-listed-visible"], asAdmin.Transactions);
        var asCarol = await ListAsync("carol");
        Assert.Equal(["m-listed-visible"], asCarol.Groups);
        Assert.Equal(["m-listed-visible"], asCarol.Transactions);
        var asAlice = await ListAsync("alice");
        Assert.Empty(asAlice.Groups);
        Assert.Empty(asAlice.Transactions);
    }
}
