using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Groups.Kip848;

/// <summary>
/// KIP-848 with a real client: Confluent.Kafka 2.16 consumers with group.protocol=consumer (librdkafka 2.16) against
/// the broker's ConsumerGroupHeartbeat. Members join and leave one at a time while a producer keeps writing; the delivery
/// history (assignments, revocations and deliveries of every member, in one order) is checked: no partition owned by
/// two members at once, no record fetched by a member that does not own its partition, every record delivered.
/// </summary>
public sealed class ConsumerProtocolTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    public ConsumerProtocolTests()
    {
        KafkaNative.EnsureLoaded();
        Assert.StartsWith("2.16", Library.VersionString, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Settings(int partitions) => new()
    {
        ["num.partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
        ["group.consumer.heartbeat.interval.ms"] = "250",
        ["offsets.topic.num.partitions"] = "3",
        ["offsets.topic.replication.factor"] = "1",
    };

    /// <summary>Writes "0", "1", ... to a topic until stopped, round-robin over its partitions; the values written are kept.</summary>
    private sealed class Writer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly List<string> _written = [];

        public Writer(string bootstrap, string topic, int partitions)
        {
            _loop = Task.Run(async () =>
            {
                using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, LingerMs = 0 }).Build();
                using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(3));
                for (var i = 0; !_stop.IsCancellationRequested; i++)
                {
                    var value = i.ToString(CultureInfo.InvariantCulture);
                    await producer.ProduceAsync(new TopicPartition(topic, i % partitions), new Message<string, string> { Key = value, Value = value });
                    lock (_written)
                        _written.Add(value);
                    try
                    {
                        await pace.WaitForNextTickAsync(_stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
        }

        public IReadOnlyList<string> Written
        {
            get
            {
                lock (_written)
                    return [.. _written];
            }
        }

        public async Task<IReadOnlyList<string>> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            return Written;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
            _stop.Dispose();
        }
    }

    private static void CreateTopic(string bootstrap, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]).GetAwaiter().GetResult();
    }

    private static int Delivered(DeliveryHistory history, string member) => history.Events.Count(e => e.Member == member && e.Kind == "deliver");

    [Fact]
    public async Task Members_joining_and_leaving_one_at_a_time_never_share_a_partition_and_together_read_everything()
    {
        const int partitions = 6;
        const string topic = "kip848-flow", group = "kip848-flow-readers";
        await using var broker = await BrokerFixture.StartAsync(Settings(partitions));
        CreateTopic(broker.Bootstrap, topic, partitions);
        var history = new DeliveryHistory();
        await using var writer = new Writer(broker.Bootstrap, topic, partitions);
        var members = new List<GroupMember>();
        try
        {
            GroupMember Join(string name)
            {
                var member = new GroupMember(name, broker.Bootstrap, group, history, c => c.Subscribe(topic));
                members.Add(member);
                return member;
            }

            bool Covered(params string[] names)
                => names.All(n => history.Owned(n).Count > 0) && names.Sum(n => history.Owned(n).Count) == partitions
                    && names.SelectMany(history.Owned).Distinct().Count() == partitions;

            // Three members join one after the other; each time the partitions spread over all of them.
            var a = Join("a");
            await history.WaitAsync(() => Covered("a"), Wait, "a to own every partition");
            var seen = Delivered(history, "a");
            await history.WaitAsync(() => Delivered(history, "a") > seen + 20, Wait, "a to consume");
            var b = Join("b");
            await history.WaitAsync(() => Covered("a", "b"), Wait, "a and b to share the partitions");
            var c = Join("c");
            await history.WaitAsync(() => Covered("a", "b", "c"), Wait, "a, b and c to share the partitions");
            seen = Delivered(history, "c");
            await history.WaitAsync(() => Delivered(history, "c") > seen + 10, Wait, "c to consume");

            // Then they leave one at a time; the others take over their partitions.
            await a.LeaveAsync();
            await history.WaitAsync(() => Covered("b", "c"), Wait, "b and c to take over a's partitions");
            await b.LeaveAsync();
            await history.WaitAsync(() => Covered("c"), Wait, "c to take over every partition");

            var produced = await writer.StopAsync();
            await history.WaitAsync(() => history.Events.Where(e => e.Kind == "deliver").Select(e => e.Value).ToHashSet().IsSupersetOf(produced), Wait,
                "every produced record to be delivered");
            await c.LeaveAsync();

            var (deliveries, handovers) = history.Check(produced);
            Assert.True(produced.Count > 100, $"only {produced.Count} records flowed");
            Assert.True(handovers >= 6, $"only {handovers} partitions changed hands");
            Console.WriteLine($"KIP-848 flow: {produced.Count} records produced, {deliveries} deliveries, {handovers} hand-overs checked");
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public async Task A_regex_subscription_picks_up_a_topic_created_later()
    {
        await using var broker = await BrokerFixture.StartAsync(Settings(2));
        const string group = "kip848-regex";
        CreateTopic(broker.Bootstrap, "metrics-a", 2);
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap }).Build();
        await producer.ProduceAsync("metrics-a", new Message<string, string> { Key = "k", Value = "a-1" });
        await producer.ProduceAsync("other", new Message<string, string> { Key = "k", Value = "other-1" });
        var history = new DeliveryHistory();
        using var member = new GroupMember("r", broker.Bootstrap, group, history, c => c.Subscribe("^metrics-.*"));
        bool Got(string value) => history.Events.Any(e => e.Kind == "deliver" && e.Value == value);
        await history.WaitAsync(() => Got("a-1"), Wait, "the record of metrics-a");

        CreateTopic(broker.Bootstrap, "metrics-b", 3);
        await producer.ProduceAsync("metrics-b", new Message<string, string> { Key = "k", Value = "b-1" });
        await history.WaitAsync(() => Got("b-1"), Wait, "the record of the new topic metrics-b");
        Assert.DoesNotContain(history.Events, e => e.Value == "other-1");

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var described = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
        Assert.Equal(ErrorCode.NoError, described.Error.Code);
        var assigned = described.Members.Single().Assignment.TopicPartitions;
        Assert.Equal(5, assigned.Count);
        Assert.Equal(["metrics-a", "metrics-b"], assigned.Select(p => p.Topic).Distinct().Order());
        await member.LeaveAsync();
    }

    [Fact]
    public async Task The_group_is_reloaded_after_a_broker_restart_and_its_member_carries_on_with_its_epoch()
    {
        await using var broker = await BrokerFixture.StartAsync(Settings(4));
        const string topic = "kip848-restart", group = "kip848-restart-readers";
        CreateTopic(broker.Bootstrap, topic, 4);
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap }).Build();
        for (var i = 0; i < 40; i++)
            await producer.ProduceAsync(new TopicPartition(topic, i % 4), new Message<string, string> { Key = "k", Value = $"before-{i}" });
        var history = new DeliveryHistory();
        using var member = new GroupMember("m", broker.Bootstrap, group, history, c => c.Subscribe(topic));
        await history.WaitAsync(() => history.Events.Count(e => e.Kind == "deliver") >= 40, Wait, "the first 40 records");

        ConsumerGroupDescription Describe()
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
            return admin.DescribeConsumerGroupsAsync([group]).GetAwaiter().GetResult().ConsumerGroupDescriptions.Single();
        }

        var before = Describe();
        Assert.Equal(ConsumerGroupType.Consumer, before.GroupType);
        var memberId = Assert.Single(before.Members).ConsumerId;

        await broker.RestartAsync();
        // The reloaded group still has the member, so its next heartbeat (same id and epoch) is accepted without a rejoin.
        var after = Describe();
        Assert.Equal(ConsumerGroupType.Consumer, after.GroupType);
        Assert.Equal(memberId, Assert.Single(after.Members).ConsumerId);
        Assert.Equal(4, after.Members.Single().Assignment.TopicPartitions.Count);

        for (var i = 0; i < 20; i++)
            await producer.ProduceAsync(new TopicPartition(topic, i % 4), new Message<string, string> { Key = "k", Value = $"after-{i}" });
        await history.WaitAsync(() => Enumerable.Range(0, 20).All(i => history.Events.Any(e => e.Value == $"after-{i}")), Wait, "the records written after the restart");
        Assert.Equal(memberId, member.MemberId);
        Assert.DoesNotContain(history.Events, e => e.Kind == "lost");
        history.Check([.. Enumerable.Range(0, 40).Select(i => $"before-{i}"), .. Enumerable.Range(0, 20).Select(i => $"after-{i}")]);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var listed = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { MatchTypes = [ConsumerGroupType.Consumer] });
        Assert.Contains(listed.Valid, g => g.GroupId == group && g.Type == ConsumerGroupType.Consumer);
        await member.LeaveAsync();
    }
}
