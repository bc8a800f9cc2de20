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
    /// A heartbeat (Kafka's BrokerHeartbeatManager.calculateNextBrokerState without controlled shutdown, which needs
    /// leaders to move): a fenced broker that asks to be unfenced is, once its metadata reached its registration; an
    /// unfenced one that asks to be fenced or to shut down is fenced. STALE_BROKER_EPOCH for an unknown broker or an
    /// older registration.
    /// </summary>
    public static ControllerResult<HeartbeatReply> Heartbeat(MetadataImage image, BrokerHeartbeat heartbeat, long registrationOffset)
    {
        if (image.Cluster.Brokers.GetValueOrDefault(heartbeat.BrokerId) is not { } broker || broker.Epoch != heartbeat.BrokerEpoch)
            return ControllerResult.Of(new HeartbeatReply(ErrorCode.StaleBrokerEpoch, false, true, false));
        var caughtUp = heartbeat.MetadataOffset >= registrationOffset;
        if (broker.Fenced)
        {
            if (!heartbeat.WantFence && !heartbeat.WantShutDown && caughtUp)
                return new([new UnfenceBrokerRecord { Id = broker.Id, Epoch = broker.Epoch }], new HeartbeatReply(ErrorCode.None, caughtUp, false, false));
            return ControllerResult.Of(new HeartbeatReply(ErrorCode.None, caughtUp, true, heartbeat.WantShutDown));
        }
        if (heartbeat.WantFence || heartbeat.WantShutDown)
            return new([new FenceBrokerRecord { Id = broker.Id, Epoch = broker.Epoch }], new HeartbeatReply(ErrorCode.None, caughtUp, true, heartbeat.WantShutDown));
        return ControllerResult.Of(new HeartbeatReply(ErrorCode.None, caughtUp, false, false));
    }

    /// <summary>Fences a broker whose session expired, if that registration (epoch) is still the one in force and unfenced.</summary>
    public static ControllerResult<bool> FenceExpired(MetadataImage image, int brokerId, long epoch)
    {
        if (image.Cluster.Brokers.GetValueOrDefault(brokerId) is not { Fenced: false } broker || broker.Epoch != epoch)
            return ControllerResult.Of(false);
        return new([new FenceBrokerRecord { Id = brokerId, Epoch = epoch }], true);
    }

    /// <summary>The next block of producer ids for a broker: the first id of the block.</summary>
    public static ControllerResult<long> AllocateProducerIds(MetadataImage image, int brokerId)
    {
        var start = image.Cluster.NextProducerId;
        return new([new ProducerIdsRecord { BrokerId = brokerId, NextProducerId = start + ProducerIdBlockSize }], start);
    }
}
