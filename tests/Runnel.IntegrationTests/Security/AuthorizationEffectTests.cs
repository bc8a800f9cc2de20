using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.IntegrationTests.Transactions;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using ErrorCode = Runnel.Protocol.ErrorCode;

namespace Runnel.IntegrationTests.Security;

/// <summary>What a refused request leaves behind (nothing), what Metadata shows, and real clients with exactly Kafka's documented ACLs.</summary>
public sealed class AuthorizationEffectTests(AclFixture fixture) : IClassFixture<AclFixture>
{
    private const sbyte Topic = 2, Group = 3, Read = 3, Write = 4, Describe = 8;

    private async Task<long> EndOffsetAsync(string topic)
    {
        await using var admin = await fixture.ConnectAsync("admin");
        var reply = await admin.RequestAsync<ListOffsetsResponse>(ApiKey.ListOffsets, 7, new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] }],
        });
        Assert.Equal(0, reply.Topics[0].Partitions[0].ErrorCode);
        return reply.Topics[0].Partitions[0].Offset;
    }

    [Fact]
    public async Task A_refused_produce_appends_nothing_and_an_allowed_one_appends()
    {
        await fixture.CreateTopicAsync("effect-produce");
        await fixture.AddAclsAsync(AclFixture.Acl("bob", Topic, "effect-produce", Write));
        foreach (var (user, appended) in new[] { ("alice", 0), ("bob", 1) })
        {
            var before = await EndOffsetAsync("effect-produce");
            await using var connection = await fixture.ConnectAsync(user);
            await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, new ProduceRequest
            {
                Acks = -1,
                TimeoutMs = 5000,
                TopicData = [new() { Name = "effect-produce", PartitionData = [new() { Index = 0, Records = RawTransactions.PlainBatch("v") }] }],
            });
            Assert.Equal(before + appended, await EndOffsetAsync("effect-produce"));
        }
    }

    [Fact]
    public async Task A_refused_create_topics_creates_nothing()
    {
        await using var alice = await fixture.ConnectAsync("alice");
        var reply = await alice.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            Topics = [new() { Name = "effect-not-created", NumPartitions = 3, ReplicationFactor = 1 }],
        });
        Assert.Equal((short)ErrorCode.TopicAuthorizationFailed, reply.Topics[0].ErrorCode);
        Assert.Null(fixture.Broker.Broker.Services.Topics.Find("effect-not-created"));
        await using var admin = await fixture.ConnectAsync("admin");
        var metadata = await admin.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = [new() { Name = "effect-not-created" }], AllowAutoTopicCreation = false });
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, metadata.Topics[0].ErrorCode);
    }

    [Fact]
    public async Task Metadata_lists_only_the_topics_a_principal_may_describe_and_auto_creation_needs_create()
    {
        await fixture.CreateTopicAsync("effect-visible");
        await fixture.CreateTopicAsync("effect-hidden");
        await fixture.AddAclsAsync(AclFixture.Acl("bob", Topic, "effect-visible", Read));
        await using var bob = await fixture.ConnectAsync("bob");
        var all = await bob.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = null });
        Assert.Contains(all.Topics, t => t.Name == "effect-visible");
        Assert.DoesNotContain(all.Topics, t => t.Name == "effect-hidden");
        var named = await bob.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest
        {
            Topics = [new() { Name = "effect-hidden" }, new() { Name = "effect-absent" }],
            AllowAutoTopicCreation = true,
        });
        // A topic bob may not describe is refused whether or not it exists, and its id is not disclosed.
        Assert.All(named.Topics, t => Assert.Equal((short)ErrorCode.TopicAuthorizationFailed, t.ErrorCode));
        Assert.All(named.Topics, t => Assert.Equal(Guid.Empty, t.TopicId));
        Assert.Null(fixture.Broker.Broker.Services.Topics.Find("effect-absent"));

        await using var admin = await fixture.ConnectAsync("admin");
        var everything = await admin.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = null });
        Assert.Contains(everything.Topics, t => t.Name == "effect-hidden");
    }

    [Fact]
    public async Task A_group_produces_and_consumes_with_exactly_the_acls_kafka_documents()
    {
        KafkaNative.EnsureLoaded();
        const string topic = "effect-clients", group = "effect-group";
        await fixture.CreateTopicAsync(topic);
        // kafka-acls.sh --producer: WRITE and DESCRIBE on the topic; --consumer: READ on the topic and on the group.
        await fixture.AddAclsAsync(AclFixture.Acl("bob", Topic, topic, Write), AclFixture.Acl("bob", Topic, topic, Describe),
            AclFixture.Acl("carol", Topic, topic, Read), AclFixture.Acl("carol", Group, group, Read));
        T Sasl<T>(T config, string user)
            where T : ClientConfig
        {
            config.BootstrapServers = fixture.Broker.Bootstrap;
            config.SecurityProtocol = SecurityProtocol.SaslPlaintext;
            config.SaslMechanism = SaslMechanism.Plain;
            config.SaslUsername = user;
            config.SaslPassword = user + "-secret";
            return config;
        }
        using (var producer = new ProducerBuilder<Null, string>(Sasl(new ProducerConfig { Acks = Acks.All }, "bob")).Build())
        {
            for (var i = 0; i < 20; i++)
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = $"v{i}" });
        }
        using var consumer = new ConsumerBuilder<Ignore, string>(Sasl(new ConsumerConfig { GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest }, "carol")).Build();
        consumer.Subscribe(topic);
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (values.Count < 20 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: { } message })
                values.Add(message.Value);
        }
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"v{i}").Order(), values.Order());
        consumer.Commit();
        Assert.Equal(20, consumer.Committed(TimeSpan.FromSeconds(10)).Single().Offset.Value);
        consumer.Close();

        // Without WRITE the same producer is refused.
        using var refused = new ProducerBuilder<Null, string>(Sasl(new ProducerConfig { MessageTimeoutMs = 5000 }, "alice")).Build();
        var error = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => refused.ProduceAsync(topic, new Message<Null, string> { Value = "x" }));
        Assert.Equal(Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, error.Error.Code);
    }
}
