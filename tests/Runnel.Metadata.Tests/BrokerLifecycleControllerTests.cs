using Runnel.Metadata.Controller;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Raft;
using Runnel.Raft.Log;
using Runnel.Raft.Messages;
using Runnel.Raft.State;

namespace Runnel.Metadata.Tests;

/// <summary>
/// A broker's life as the controller sees it, on a real driver with a lone voter (node 1) and a hand-moved clock:
/// register fenced, unfenced by a caught-up heartbeat, fenced when heartbeats stop, unfenced again when they resume.
/// </summary>
public sealed class BrokerLifecycleControllerTests
{
    private const long SessionTimeoutMs = 9000;

    private sealed class NoNetwork : IRaftNetwork
    {
        public void Send(RaftMessage message)
        {
        }
    }

    /// <summary>Node 1 leading alone; <see cref="Now"/> is the clock the lifecycle controller reads.</summary>
    private sealed class Quorum : IAsyncDisposable
    {
        private Quorum(RaftDriver driver, MetadataLoader loader)
        {
            Driver = driver;
            Loader = loader;
            Controller = new QuorumController(driver, loader);
        }

        public RaftDriver Driver { get; }

        public MetadataLoader Loader { get; }

        public QuorumController Controller { get; }

        public long Now { get; set; } = 1_000;

        public static async Task<Quorum> StartAsync()
        {
            var loader = new MetadataLoader(1);
            var driver = new RaftDriver(now => new RaftNode(1, QuorumVoters.Single(1), new RaftConfig(), new MemoryRaftLog(), new MemoryQuorumStateStore(),
                new NoNetwork(), loader, now, new Random(1)));
            var quorum = new Quorum(driver, loader);
            driver.Start();
            Assert.True(await quorum.Controller.WaitForActiveAsync(TimeSpan.FromSeconds(10)));
            return quorum;
        }

        public BrokerLifecycleController Lifecycle(string? clusterId = null, Func<Image.BrokerRegistration, CancellationToken, Task<bool>>? refuses = null)
            => new(Controller, new BrokerHeartbeatManager(SessionTimeoutMs, id => id == 1), clusterId, () => Now, refusesConnections: refuses);

        public Task<BrokerHeartbeatResponse> HeartbeatAsync(BrokerLifecycleController lifecycle, long epoch, long? offset = null)
            => lifecycle.HeartbeatAsync(new BrokerHeartbeatRequest { BrokerId = 4, BrokerEpoch = epoch, CurrentMetadataOffset = offset ?? Loader.Image.Offset });

        public async ValueTask DisposeAsync()
        {
            await Driver.DisposeAsync();
            Controller.Dispose();
        }
    }

    private static BrokerRegistrationRequest Registration(Guid incarnation, string clusterId = "c") => new()
    {
        BrokerId = 4,
        ClusterId = clusterId,
        IncarnationId = incarnation,
        Listeners = [new() { Name = "PLAINTEXT", Host = "127.0.0.1", Port = 9092 }],
    };

    [Fact]
    public async Task A_broker_is_unfenced_by_heartbeats_fenced_when_they_stop_and_unfenced_when_they_resume()
    {
        await using var quorum = await Quorum.StartAsync();
        var lifecycle = quorum.Lifecycle();
        var registered = await lifecycle.RegisterAsync(Registration(Guid.NewGuid()));
        Assert.Equal(0, registered.ErrorCode);
        Assert.True(quorum.Loader.Image.Cluster.Brokers[4].Fenced);

        var behind = await quorum.HeartbeatAsync(lifecycle, registered.BrokerEpoch, offset: 0);
        Assert.True(behind.IsFenced);
        Assert.False(behind.IsCaughtUp);
        var caughtUp = await quorum.HeartbeatAsync(lifecycle, registered.BrokerEpoch);
        Assert.False(caughtUp.IsFenced);
        Assert.False(quorum.Loader.Image.Cluster.Brokers[4].Fenced);

        quorum.Now += SessionTimeoutMs;
        Assert.Empty(await lifecycle.FenceExpiredAsync());
        quorum.Now += 1;
        Assert.Equal([4], await lifecycle.FenceExpiredAsync());
        Assert.True(quorum.Loader.Image.Cluster.Brokers[4].Fenced);

        Assert.False((await quorum.HeartbeatAsync(lifecycle, registered.BrokerEpoch)).IsFenced);
        Assert.False(quorum.Loader.Image.Cluster.Brokers[4].Fenced);
    }

    [Fact]
    public async Task A_broker_whose_connection_closed_and_whose_address_refuses_connections_moves_its_leaderships_at_once_and_is_fenced_when_its_session_ends()
    {
        await using var quorum = await Quorum.StartAsync();
        var refusing = false;
        var probed = 0;
        var lifecycle = quorum.Lifecycle(refuses: (broker, _) =>
        {
            Assert.Equal(9092, broker.Endpoints.Single().Port);
            probed++;
            return Task.FromResult(refusing);
        });
        var registered = await lifecycle.RegisterAsync(Registration(Guid.NewGuid()));
        await quorum.HeartbeatAsync(lifecycle, registered.BrokerEpoch);
        Assert.True(quorum.Loader.Image.Cluster.Brokers[4].IsActive);

        // Connected: nothing is probed. Closed, but the address still accepts: the grace runs as before.
        Assert.False(await lifecycle.MoveAwayIfGoneAsync(4, CancellationToken.None));
        Assert.Equal(0, probed);
        lifecycle.Sessions.ConnectionLost(4, quorum.Now);
        Assert.False(await lifecycle.MoveAwayIfGoneAsync(4, CancellationToken.None));
        Assert.True(quorum.Loader.Image.Cluster.Brokers[4].IsActive);

        // Refused: it leads nothing from now on but stays registered and unfenced (still listed) until its session ends;
        // a restarted process may register again once the grace is over.
        refusing = true;
        Assert.True(await lifecycle.MoveAwayIfGoneAsync(4, CancellationToken.None));
        var moved = quorum.Loader.Image.Cluster.Brokers[4];
        Assert.True(moved.InControlledShutdown);
        Assert.False(moved.Fenced);
        Assert.False(await lifecycle.MoveAwayIfGoneAsync(4, CancellationToken.None));
        quorum.Now += lifecycle.Sessions.ConnectionLossGraceMs + 1;
        Assert.Empty(await lifecycle.FenceExpiredAsync());
        Assert.False(lifecycle.Sessions.HasValidSession(quorum.Loader.Image, 4, quorum.Now));
        quorum.Now += SessionTimeoutMs;
        Assert.Equal([4], await lifecycle.FenceExpiredAsync());
        Assert.True(quorum.Loader.Image.Cluster.Brokers[4].Fenced);
    }

    [Fact]
    public async Task A_restarted_broker_waits_for_the_old_session_unless_it_shut_down_cleanly()
    {
        await using var quorum = await Quorum.StartAsync();
        var lifecycle = quorum.Lifecycle();
        var first = await lifecycle.RegisterAsync(Registration(Guid.NewGuid()));
        await quorum.HeartbeatAsync(lifecycle, first.BrokerEpoch);
        Assert.Equal((short)ErrorCode.DuplicateBrokerRegistration, (await lifecycle.RegisterAsync(Registration(Guid.NewGuid()))).ErrorCode);

        var shutdown = await lifecycle.HeartbeatAsync(new BrokerHeartbeatRequest { BrokerId = 4, BrokerEpoch = first.BrokerEpoch, WantFence = true, WantShutDown = true });
        Assert.True(shutdown.ShouldShutDown);
        var second = await lifecycle.RegisterAsync(Registration(Guid.NewGuid()));
        Assert.Equal(0, second.ErrorCode);
        Assert.Equal(first.BrokerEpoch + 1, second.BrokerEpoch);
        Assert.Equal((short)ErrorCode.StaleBrokerEpoch, (await quorum.HeartbeatAsync(lifecycle, first.BrokerEpoch)).ErrorCode);
    }

    [Fact]
    public async Task Another_cluster_and_a_node_that_is_not_the_active_controller_are_refused()
    {
        await using var quorum = await Quorum.StartAsync();
        Assert.Equal((short)ErrorCode.InconsistentClusterId, (await quorum.Lifecycle("mine").RegisterAsync(Registration(Guid.NewGuid(), "theirs"))).ErrorCode);
        using var notLeading = new QuorumController(quorum.Driver, new MetadataLoader(2));
        var inactive = new BrokerLifecycleController(notLeading, new BrokerHeartbeatManager(SessionTimeoutMs), null, () => quorum.Now);
        Assert.Equal((short)ErrorCode.NotController, (await inactive.RegisterAsync(Registration(Guid.NewGuid()))).ErrorCode);
        Assert.Equal((short)ErrorCode.NotController, (await inactive.HeartbeatAsync(new BrokerHeartbeatRequest { BrokerId = 4 })).ErrorCode);
    }

    [Fact]
    public async Task A_registration_from_elsewhere_under_the_in_process_broker_s_id_is_a_duplicate()
    {
        await using var quorum = await Quorum.StartAsync();
        var lifecycle = quorum.Lifecycle();
        // The lone voter's own broker (node 1, exempt from sessions) registered itself unfenced, as the node does at start.
        await quorum.Controller.ExecuteAsync(image => Control.ClusterControlManager.Register(image, 1, Guid.NewGuid(),
            [new Image.BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092, 0)], rack: null, fenced: false));
        var before = quorum.Loader.Image.Cluster.Brokers[1];

        var impostor = Registration(Guid.NewGuid());
        impostor.BrokerId = 1;
        var reply = await lifecycle.RegisterAsync(impostor);

        Assert.Equal((short)ErrorCode.DuplicateBrokerRegistration, reply.ErrorCode);
        Assert.Equal(before, quorum.Loader.Image.Cluster.Brokers[1]);
    }
}
