using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>What a broker's heartbeat tells the controller (the fields of BrokerHeartbeatRequest it decides on).</summary>
public sealed record BrokerHeartbeat(int BrokerId, long BrokerEpoch, long MetadataOffset, bool WantFence, bool WantShutDown);

/// <summary>The controller's answer to a heartbeat (Kafka's BrokerHeartbeatReply).</summary>
public sealed record HeartbeatReply(ErrorCode Error, bool IsCaughtUp, bool IsFenced, bool ShouldShutDown);

/// <summary>
/// Broker registrations and fencing (Kafka's ClusterControlManager) and producer-id blocks (its
/// ProducerIdControlManager). A broker that registers again (a restart) gets a new epoch; fencing names the epoch,
/// so a stale fence cannot hit a newer registration.
/// </summary>
public static class ClusterControlManager
{
    /// <summary>Producer ids handed to a broker at a time (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE).</summary>
    public const long ProducerIdBlockSize = 1000;

    public static ControllerResult<long> Register(MetadataImage image, int brokerId, Guid incarnationId, IEnumerable<BrokerEndpoint> endpoints, string? rack, bool fenced)
    {
        var existing = image.Cluster.Brokers.GetValueOrDefault(brokerId);
        if (existing is not null && existing.IncarnationId == incarnationId && existing.Fenced == fenced)
            return ControllerResult.Of(existing.Epoch);
        var epoch = (existing?.Epoch ?? 0) + 1;
        var record = new RegisterBrokerRecord
        {
            BrokerId = brokerId,
            IncarnationId = incarnationId,
            BrokerEpoch = epoch,
            EndPoints = [.. endpoints.Select(e => new RegisterBrokerRecord.BrokerEndpoint { Name = e.Name, Host = e.Host, Port = (ushort)e.Port, SecurityProtocol = e.SecurityProtocol })],
            Rack = rack,
            Fenced = fenced,
        };
        return new([record], epoch);
    }

    public static ControllerResult<bool> SetFenced(MetadataImage image, int brokerId, bool fenced)
    {
        if (image.Cluster.Brokers.GetValueOrDefault(brokerId) is not { } broker || broker.Fenced == fenced)
            return ControllerResult.Of(false);
        IKafkaMessage record = fenced ? new FenceBrokerRecord { Id = brokerId, Epoch = broker.Epoch } : new UnfenceBrokerRecord { Id = brokerId, Epoch = broker.Epoch };
        return new([record], true);
    }

    /// <summary>
    /// A broker registering over the wire (BrokerRegistration), as Kafka's controller decides it: a new incarnation
    /// gets a new epoch and starts fenced (it is unfenced by a heartbeat once caught up); the same incarnation again
    /// (a retry whose answer was lost) keeps its epoch and fencing; another incarnation while the registered one still
    /// has a live session is refused, so two processes with one node.id cannot both serve.
    /// </summary>
    public static ControllerResult<(ErrorCode Error, long Epoch)> RegisterRemote(MetadataImage image, int brokerId, Guid incarnationId,
        IEnumerable<BrokerEndpoint> endpoints, string? rack, bool registeredIsAlive)
    {
        var existing = image.Cluster.Brokers.GetValueOrDefault(brokerId);
        if (existing is not null && existing.IncarnationId == incarnationId)
            return ControllerResult.Of((ErrorCode.None, existing.Epoch));
        if (existing is not null && registeredIsAlive)
            return ControllerResult.Of((ErrorCode.DuplicateBrokerRegistration, -1L));
        var registered = Register(image, brokerId, incarnationId, endpoints, rack, fenced: true);
        return new(registered.Records, (ErrorCode.None, registered.Response));
    }

    /// <summary>
    /// A heartbeat, decided as Kafka's BrokerHeartbeatManager.calculateNextBrokerState does. A fenced broker is
    /// unfenced once its metadata reached its registration and it asks for it (partitions without a leader that it
    /// replicates elect one then); asking to shut down while fenced is answered at once. An unfenced broker asking to
    /// be fenced is, and its leaderships and ISR places move away. One asking to shut down enters controlled shutdown:
    /// it leads nothing more (its leaderships move to other in-sync replicas, or to none where it was the last) and
    /// leaves every ISR; once it leads nothing and <paramref name="othersCaughtUp"/> says the other active brokers have
    /// seen that (their metadata reached <paramref name="image"/>'s offset), it is fenced and told to shut down.
    /// STALE_BROKER_EPOCH for an unknown broker or an older registration.
    /// </summary>
    public static ControllerResult<HeartbeatReply> Heartbeat(MetadataImage image, BrokerHeartbeat heartbeat, long registrationOffset, ReplicationPolicy? policy = null,
        Func<long, bool>? othersCaughtUp = null)
    {
        policy ??= ReplicationPolicy.Default;
        othersCaughtUp ??= _ => true;
        if (image.Cluster.Brokers.GetValueOrDefault(heartbeat.BrokerId) is not { } broker || broker.Epoch != heartbeat.BrokerEpoch)
            return ControllerResult.Of(new HeartbeatReply(ErrorCode.StaleBrokerEpoch, false, true, false));
        var caughtUp = heartbeat.MetadataOffset >= registrationOffset;
        if (broker.Fenced)
        {
            if (heartbeat.WantShutDown)
                return ControllerResult.Of(new HeartbeatReply(ErrorCode.None, caughtUp, true, true));
            if (!heartbeat.WantFence && caughtUp)
            {
                List<IKafkaMessage> unfence = [new UnfenceBrokerRecord { Id = broker.Id, Epoch = broker.Epoch }, .. ReplicationControlManager.ElectForReturning(image, broker.Id, policy)];
                return new(unfence, new HeartbeatReply(ErrorCode.None, caughtUp, false, false));
            }
            return ControllerResult.Of(new HeartbeatReply(ErrorCode.None, caughtUp, true, false));
        }
        if (heartbeat.WantFence)
            return new(Fence(image, broker, policy), new HeartbeatReply(ErrorCode.None, caughtUp, true, heartbeat.WantShutDown));
        if (!heartbeat.WantShutDown)
            return ControllerResult.Of(new HeartbeatReply(ErrorCode.None, caughtUp, false, false));
        var moves = ReplicationControlManager.MoveAwayFrom(image, broker.Id, policy);
        if (!broker.InControlledShutdown)
        {
            if (!ReplicationControlManager.LeadsAny(image, broker.Id))
                return new(Fence(image, broker, policy), new HeartbeatReply(ErrorCode.None, caughtUp, true, true));
            List<IKafkaMessage> enter = [new BrokerRegistrationChangeRecord { BrokerId = broker.Id, BrokerEpoch = broker.Epoch, InControlledShutdown = 1 }, .. moves];
            return new(enter, new HeartbeatReply(ErrorCode.None, caughtUp, false, false));
        }
        if (moves.Count > 0 || ReplicationControlManager.LeadsAny(image, broker.Id) || !othersCaughtUp(image.Offset))
            return new(moves, new HeartbeatReply(ErrorCode.None, caughtUp, false, false));
        return new(Fence(image, broker, policy), new HeartbeatReply(ErrorCode.None, caughtUp, true, true));
    }

    /// <summary>Fences a broker whose session expired (or whose process is gone), if that registration is still the one in force and unfenced.</summary>
    public static ControllerResult<bool> FenceExpired(MetadataImage image, int brokerId, long epoch, ReplicationPolicy? policy = null)
    {
        policy ??= ReplicationPolicy.Default;
        if (image.Cluster.Brokers.GetValueOrDefault(brokerId) is not { Fenced: false } broker || broker.Epoch != epoch)
            return ControllerResult.Of(false);
        return new(Fence(image, broker, policy), true);
    }

    /// <summary>
    /// A broker whose process is gone (its heartbeat connection closed and its address refuses connections) enters
    /// controlled shutdown on its behalf: its leaderships move to other in-sync replicas and it leaves every ISR at
    /// once, while it stays registered and listed until <see cref="FenceExpired"/> fences it when its session ends
    /// (broker.session.timeout.ms, as Kafka keeps a dead broker listed), or it registers again. Moving leaderships
    /// first and unlisting the broker later means a client sees the new leaders while the old one is still a known
    /// broker (librdkafka, given both in one answer, can lose the new leader for another metadata round). False when that registration is no
    /// longer the one in force, is fenced, or is already shutting down.
    /// </summary>
    public static ControllerResult<bool> MoveAwayFromGone(MetadataImage image, int brokerId, long epoch, ReplicationPolicy? policy = null)
    {
        policy ??= ReplicationPolicy.Default;
        if (image.Cluster.Brokers.GetValueOrDefault(brokerId) is not { Fenced: false, InControlledShutdown: false } broker || broker.Epoch != epoch)
            return ControllerResult.Of(false);
        List<IKafkaMessage> records = [new BrokerRegistrationChangeRecord { BrokerId = broker.Id, BrokerEpoch = broker.Epoch, InControlledShutdown = 1 },
            .. ReplicationControlManager.MoveAwayFrom(image, broker.Id, policy)];
        return new(records, true);
    }

    /// <summary>The fence record, and the partition changes that take the broker out of every ISR and leadership.</summary>
    private static List<IKafkaMessage> Fence(MetadataImage image, BrokerRegistration broker, ReplicationPolicy policy)
        => [new FenceBrokerRecord { Id = broker.Id, Epoch = broker.Epoch }, .. ReplicationControlManager.MoveAwayFrom(image, broker.Id, policy)];

    /// <summary>The next block of producer ids for a broker: the first id of the block.</summary>
    public static ControllerResult<long> AllocateProducerIds(MetadataImage image, int brokerId)
    {
        var start = image.Cluster.NextProducerId;
        return new([new ProducerIdsRecord { BrokerId = brokerId, NextProducerId = start + ProducerIdBlockSize }], start);
    }
}
