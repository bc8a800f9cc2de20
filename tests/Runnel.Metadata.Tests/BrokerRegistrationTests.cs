using Runnel.Metadata.Control;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Tests;

/// <summary>Registration, heartbeats and fencing as the controller decides them (Kafka's ClusterControlManager rules).</summary>
public sealed class BrokerRegistrationTests
{
    private static readonly BrokerEndpoint Plaintext = new("PLAINTEXT", "127.0.0.1", 9092, 0);

    private static MetadataImage Commit<T>(MetadataImage image, ControllerResult<T> result) => ImageTests.Replay(image, [.. result.Records]);

    private static MetadataImage Registered(Guid incarnation, out long epoch)
    {
        var result = ClusterControlManager.RegisterRemote(MetadataImage.Empty, 4, incarnation, [Plaintext], null, registeredIsAlive: false);
        epoch = result.Response.Epoch;
        return Commit(MetadataImage.Empty, result);
    }

    [Fact]
    public void A_new_incarnation_registers_fenced_with_a_new_epoch_and_a_retry_keeps_it()
    {
        var incarnation = Guid.NewGuid();
        var image = Registered(incarnation, out var epoch);
        Assert.Equal(1, epoch);
        var broker = image.Cluster.Brokers[4];
        Assert.True(broker.Fenced);
        Assert.Equal(Plaintext, Assert.Single(broker.Endpoints));

        var retry = ClusterControlManager.RegisterRemote(image, 4, incarnation, [Plaintext], null, registeredIsAlive: true);
        Assert.Empty(retry.Records);
        Assert.Equal((ErrorCode.None, 1L), retry.Response);
    }

    [Fact]
    public void Another_incarnation_is_refused_while_the_registered_one_is_alive_and_replaces_it_afterwards()
    {
        var image = Registered(Guid.NewGuid(), out _);
        var duplicate = ClusterControlManager.RegisterRemote(image, 4, Guid.NewGuid(), [Plaintext], null, registeredIsAlive: true);
        Assert.Equal(ErrorCode.DuplicateBrokerRegistration, duplicate.Response.Error);
        Assert.Empty(duplicate.Records);

        var restarted = ClusterControlManager.RegisterRemote(image, 4, Guid.NewGuid(), [Plaintext], null, registeredIsAlive: false);
        Assert.Equal((ErrorCode.None, 2L), restarted.Response);
        Assert.True(Commit(image, restarted).Cluster.Brokers[4].Fenced);
    }

    [Fact]
    public void A_heartbeat_unfences_only_once_the_broker_caught_up_with_its_registration()
    {
        var image = Registered(Guid.NewGuid(), out var epoch);
        var behind = ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 9, false, false), registrationOffset: 10);
        Assert.Empty(behind.Records);
        Assert.Equal(new HeartbeatReply(ErrorCode.None, false, true, false), behind.Response);

        var wantsFence = ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 10, true, false), 10);
        Assert.Empty(wantsFence.Records);
        Assert.True(wantsFence.Response.IsFenced);

        var caughtUp = ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 10, false, false), 10);
        Assert.IsType<UnfenceBrokerRecord>(Assert.Single(caughtUp.Records));
        Assert.Equal(new HeartbeatReply(ErrorCode.None, true, false, false), caughtUp.Response);
        image = Commit(image, caughtUp);
        Assert.False(image.Cluster.Brokers[4].Fenced);
        Assert.Empty(ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 11, false, false), 10).Records);
    }

    [Fact]
    public void An_unfenced_broker_that_asks_to_be_fenced_or_to_shut_down_is_fenced()
    {
        var image = Registered(Guid.NewGuid(), out var epoch);
        image = Commit(image, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 5, false, false), 0));

        var fence = ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 5, true, false), 0);
        Assert.IsType<FenceBrokerRecord>(Assert.Single(fence.Records));
        Assert.Equal(new HeartbeatReply(ErrorCode.None, true, true, false), fence.Response);

        var shutdown = ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 5, false, true), 0);
        Assert.True(Commit(image, shutdown).Cluster.Brokers[4].Fenced);
        Assert.Equal(new HeartbeatReply(ErrorCode.None, true, true, true), shutdown.Response);
    }

    [Fact]
    public void Heartbeats_from_unknown_brokers_or_older_registrations_are_stale()
    {
        var image = Registered(Guid.NewGuid(), out var epoch);
        Assert.Equal(ErrorCode.StaleBrokerEpoch, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(5, epoch, 0, false, false), 0).Response.Error);
        Assert.Equal(ErrorCode.StaleBrokerEpoch, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch - 1, 0, false, false), 0).Response.Error);
    }

    [Fact]
    public void Expiry_fences_only_the_registration_it_was_measured_for()
    {
        var image = Registered(Guid.NewGuid(), out var epoch);
        Assert.Empty(ClusterControlManager.FenceExpired(image, 4, epoch).Records);
        image = Commit(image, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 5, false, false), 0));
        Assert.Empty(ClusterControlManager.FenceExpired(image, 4, epoch + 1).Records);
        Assert.True(Commit(image, ClusterControlManager.FenceExpired(image, 4, epoch)).Cluster.Brokers[4].Fenced);
    }

    [Fact]
    public void Sessions_expire_after_the_timeout_start_over_on_a_new_leadership_and_spare_exempt_brokers()
    {
        var image = Registered(Guid.NewGuid(), out var epoch);
        image = Commit(image, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 5, false, false), 0));
        image = Commit(image, ClusterControlManager.Register(image, 1, Guid.NewGuid(), [Plaintext], null, fenced: false));
        var sessions = new BrokerHeartbeatManager(9000, exempt: id => id == 1);
        sessions.Activate(3, image, nowMs: 1000);
        Assert.True(sessions.HasValidSession(image, 4, 9000));
        Assert.Empty(sessions.Expired(image, 10_000));
        sessions.Touch(4, 5000);
        Assert.Empty(sessions.Expired(image, 14_000));
        Assert.Equal([(4, epoch)], sessions.Expired(image, 14_001));
        Assert.False(sessions.HasValidSession(image, 4, 14_001));

        // The same leadership again changes nothing; a new one gives a full session from its start.
        sessions.Activate(3, image, nowMs: 14_001);
        Assert.NotEmpty(sessions.Expired(image, 14_001));
        sessions.Activate(4, image, nowMs: 20_000);
        Assert.Empty(sessions.Expired(image, 29_000));
        Assert.Equal(image.Offset, sessions.RegistrationOffset(4));

        var fenced = Commit(image, ClusterControlManager.FenceExpired(image, 4, epoch));
        Assert.Empty(sessions.Expired(fenced, 100_000));
        Assert.False(sessions.HasValidSession(fenced, 4, 20_000));
    }

    [Fact]
    public void A_new_leadership_fences_a_broker_whose_node_is_down_after_the_grace_unless_it_heartbeats()
    {
        var image = Registered(Guid.NewGuid(), out var epoch);
        image = Commit(image, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(4, epoch, 5, false, false), 0));
        var sessions = new BrokerHeartbeatManager(9000, connectionLossGraceMs: 300);
        Assert.Equal([4], sessions.Activate(3, image, nowMs: 1000, down: id => id == 4));
        Assert.Empty(sessions.Expired(image, 1300));
        Assert.Equal([(4, epoch)], sessions.Expired(image, 1301));

        // A heartbeat (the node came back) restores the full session; a node that is up is never marked.
        var again = new BrokerHeartbeatManager(9000, connectionLossGraceMs: 300);
        again.Activate(3, image, nowMs: 1000, down: id => id == 4);
        again.Touch(4, 1000);
        Assert.Empty(again.Expired(image, 5000));
        Assert.Empty(new BrokerHeartbeatManager(9000, connectionLossGraceMs: 300).Activate(3, image, nowMs: 1000, down: _ => false));

        // Only at a new leadership: the same epoch again marks nothing.
        Assert.Empty(again.Activate(3, image, nowMs: 6000, down: id => id == 4));
        Assert.Empty(again.Expired(image, 6400));
    }
}
