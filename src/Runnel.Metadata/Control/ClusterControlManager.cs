using Runnel.Metadata.Image;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

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

    /// <summary>The next block of producer ids for a broker: the first id of the block.</summary>
    public static ControllerResult<long> AllocateProducerIds(MetadataImage image, int brokerId)
    {
        var start = image.Cluster.NextProducerId;
        return new([new ProducerIdsRecord { BrokerId = brokerId, NextProducerId = start + ProducerIdBlockSize }], start);
    }
}
