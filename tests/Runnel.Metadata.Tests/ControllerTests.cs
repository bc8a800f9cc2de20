using Runnel.Metadata.Control;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;
using Runnel.Raft;
using Runnel.Raft.Log;
using Runnel.Raft.Messages;
using Runnel.Raft.State;

namespace Runnel.Metadata.Tests;

/// <summary>The controller on a real driver and a lone voter (memory log): commit, publish, snapshot, restart.</summary>
public sealed class ControllerTests
{
    private sealed class NoNetwork : IRaftNetwork
    {
        public void Send(RaftMessage message)
        {
        }
    }

    private sealed class Recorder : IMetadataPublisher
    {
        public List<MetadataImage> Images { get; } = [];

        public void Publish(MetadataImage image) => Images.Add(image);
    }

    private sealed class Node(MemoryRaftLog log, MemoryQuorumStateStore store, long snapshotBytes) : IAsyncDisposable
    {
        public MetadataLoader Loader { get; } = new(1, snapshotBytes);

        public RaftDriver Driver { get; private set; } = null!;

        public QuorumController Controller { get; private set; } = null!;

        public Node Start()
        {
            Driver = new RaftDriver(now => new RaftNode(1, QuorumVoters.Single(1), new RaftConfig(), log, store, new NoNetwork(), Loader, now, new Random(1)));
            Driver.AfterStep = node => Loader.SnapshotIfDue(node, 0);
            Controller = new QuorumController(Driver, Loader);
            Driver.Start();
            return this;
        }

        public async ValueTask DisposeAsync()
        {
            await Driver.DisposeAsync();
            Controller.Dispose();
        }
    }

    /// <summary>Creates a one-partition topic, registering broker 1 first so there is a broker to place it on.</summary>
    private static async Task<(ApiError Error, Guid TopicId)> CreateAsync(QuorumController controller, string name)
    {
        await controller.ExecuteAsync(image => image.Cluster.Brokers.ContainsKey(1)
            ? ControllerResult.Of(0L)
            : ClusterControlManager.Register(image, 1, Guid.NewGuid(), [new BrokerEndpoint("PLAINTEXT", "localhost", 9092, 0)], null, fenced: false));
        return await controller.ExecuteAsync(image => ReplicationControlManager.CreateTopic(image, new NewTopic(name, 1, 1, new Dictionary<string, string>()), Guid.NewGuid));
    }

    [Fact]
    public async Task A_change_is_answered_once_committed_and_published()
    {
        var log = new MemoryRaftLog();
        await using var node = new Node(log, new MemoryQuorumStateStore(), long.MaxValue).Start();
        var recorder = new Recorder();
        await node.Loader.SubscribeAsync(recorder);
        var (error, id) = await CreateAsync(node.Controller, "orders");
        Assert.True(error.Succeeded);
        Assert.Equal(id, node.Loader.Image.Topics.Find("orders")!.Id);
        Assert.Contains(recorder.Images, i => i.Topics.Find("orders") is not null);
        Assert.Equal(Protocol.ErrorCode.TopicAlreadyExists, ErrorCodeOf(await CreateAsync(node.Controller, "orders")));
    }

    private static Protocol.ErrorCode ErrorCodeOf((ApiError Error, Guid) result) => result.Error.Error;

    [Fact]
    public async Task A_restart_loads_the_snapshot_and_replays_the_tail()
    {
        var log = new MemoryRaftLog();
        var store = new MemoryQuorumStateStore();
        await using (var node = new Node(log, store, snapshotBytes: 600).Start())
        {
            for (var i = 0; i < 30; i++)
                Assert.True((await CreateAsync(node.Controller, $"t{i}")).Error.Succeeded);
            Assert.True(node.Loader.SnapshotsWritten > 0);
        }
        Assert.NotNull(log.LatestSnapshot);
        Assert.True(log.StartOffset > 0);
        log.Crash();
        await using var restarted = new Node(log, store, snapshotBytes: 600).Start();
        Assert.True(await restarted.Controller.WaitForActiveAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(30, restarted.Loader.Image.Topics.ByName.Count);
    }

    [Fact]
    public async Task Concurrent_incremental_changes_to_different_keys_of_one_topic_both_survive()
    {
        var log = new MemoryRaftLog();
        await using var node = new Node(log, new MemoryQuorumStateStore(), long.MaxValue).Start();
        Assert.True((await CreateAsync(node.Controller, "orders")).Error.Succeeded);
        var topic = ConfigResource.Topic("orders");
        var schema = new IncrementalConfigTests.TestSchema();
        Task<ApiError> Change(string key, string value)
            => node.Controller.ExecuteAsync(image => ConfigurationControlManager.IncrementalAlter(image, topic, [new ConfigChange(key, ConfigOperation.Set, value)], schema));
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Change($"key.{i}", $"{i}")));
        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Equal(Enumerable.Range(0, 20).ToDictionary(i => $"key.{i}", i => $"{i}"), node.Loader.Image.Configs.For(topic));
    }
}
