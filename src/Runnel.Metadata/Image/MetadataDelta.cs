using System.Collections.Immutable;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Image;

/// <summary>
/// Changes on top of an image: replay records in log order, then <see cref="Apply"/> for the next image. A record
/// that contradicts the image (a partition of an unknown topic, a second topic by one name) means the log is not
/// what the controller wrote, so replay throws <see cref="InvalidDataException"/> rather than guess.
/// </summary>
public sealed class MetadataDelta(MetadataImage image)
{
    private readonly ImmutableDictionary<Guid, TopicImage>.Builder _topics = image.Topics.ById.ToBuilder();
    private readonly ImmutableSortedDictionary<string, TopicImage>.Builder _names = image.Topics.ByName.ToBuilder();
    private readonly ImmutableDictionary<ConfigResource, ImmutableSortedDictionary<string, string>>.Builder _configs = image.Configs.Resources.ToBuilder();
    private readonly ImmutableSortedDictionary<int, BrokerRegistration>.Builder _brokers = image.Cluster.Brokers.ToBuilder();
    private readonly ImmutableDictionary<Guid, StandardAcl>.Builder _acls = image.Acls.ById.ToBuilder();
    private long _nextProducerId = image.Cluster.NextProducerId;
    private long _offset = image.Offset;
    private readonly SecurityDelta _security = new(image);

    public bool HasChanges { get; private set; }

    /// <summary>Replays one record that sits at <paramref name="offset"/> in the log.</summary>
    public void Replay(IKafkaMessage record, long offset)
    {
        switch (record)
        {
            case TopicRecord topic:
                if (_names.TryGetValue(topic.Name, out var existing) && existing.Id != topic.TopicId)
                    throw new InvalidDataException($"Topic {topic.Name} is recorded twice ({existing.Id}, {topic.TopicId}).");
                SetTopic(new TopicImage(topic.Name, topic.TopicId, ImmutableSortedDictionary<int, PartitionImage>.Empty));
                break;
            case PartitionRecord p:
                var owner = _topics.GetValueOrDefault(p.TopicId) ?? throw new InvalidDataException($"Partition {p.PartitionId} of unknown topic {p.TopicId}.");
                SetTopic(owner with
                {
                    Partitions = owner.Partitions.SetItem(p.PartitionId, new PartitionImage(p.PartitionId, [.. p.Replicas], [.. p.Isr], p.Leader, p.LeaderEpoch, p.PartitionEpoch)
                    {
                        Adding = [.. p.AddingReplicas],
                        Removing = [.. p.RemovingReplicas],
                    })
                });
                break;
            case PartitionChangeRecord change:
                var changed = _topics.GetValueOrDefault(change.TopicId) ?? throw new InvalidDataException($"Change of partition {change.PartitionId} of unknown topic {change.TopicId}.");
                var current = changed.Partitions.GetValueOrDefault(change.PartitionId) ?? throw new InvalidDataException($"Change of unknown partition {change.PartitionId} of {changed.Name}.");
                SetTopic(changed with { Partitions = changed.Partitions.SetItem(change.PartitionId, current.Merge(change)) });
                break;
            case BrokerRegistrationChangeRecord brokerChange:
                if (!_brokers.TryGetValue(brokerChange.BrokerId, out var registered) || registered.Epoch != brokerChange.BrokerEpoch)
                    throw new InvalidDataException($"Change of broker {brokerChange.BrokerId} epoch {brokerChange.BrokerEpoch}, which is not registered.");
                if (brokerChange.Fenced is < -1 or > 1 || brokerChange.InControlledShutdown is < 0 or > 1)
                    throw new InvalidDataException($"Broker change with fenced {brokerChange.Fenced}, in controlled shutdown {brokerChange.InControlledShutdown}.");
                _brokers[brokerChange.BrokerId] = registered with
                {
                    Fenced = brokerChange.Fenced == 0 ? registered.Fenced : brokerChange.Fenced == 1,
                    InControlledShutdown = registered.InControlledShutdown || brokerChange.InControlledShutdown == 1,
                };
                break;
            case RemoveTopicRecord remove:
                var doomed = _topics.GetValueOrDefault(remove.TopicId) ?? throw new InvalidDataException($"Removal of unknown topic {remove.TopicId}.");
                _topics.Remove(doomed.Id);
                _names.Remove(doomed.Name);
                // As in Kafka, a topic's configs go with it, so a new topic by the same name starts clean.
                _configs.Remove(ConfigResource.Topic(doomed.Name));
                break;
            case ConfigRecord config:
                var resource = new ConfigResource((ConfigResourceType)config.ResourceType, config.ResourceName);
                var values = _configs.GetValueOrDefault(resource) ?? ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);
                values = config.Value is null ? values.Remove(config.Name) : values.SetItem(config.Name, config.Value);
                if (values.IsEmpty)
                    _configs.Remove(resource);
                else
                    _configs[resource] = values;
                break;
            case RegisterBrokerRecord broker:
                _brokers[broker.BrokerId] = new BrokerRegistration(broker.BrokerId, broker.BrokerEpoch, broker.IncarnationId,
                    [.. broker.EndPoints.Select(e => new BrokerEndpoint(e.Name, e.Host, e.Port, e.SecurityProtocol))], broker.Rack, broker.Fenced);
                break;
            case FenceBrokerRecord fence:
                SetFenced(fence.Id, fence.Epoch, true);
                break;
            case UnfenceBrokerRecord unfence:
                SetFenced(unfence.Id, unfence.Epoch, false);
                break;
            case ProducerIdsRecord ids:
                if (ids.NextProducerId < _nextProducerId)
                    throw new InvalidDataException($"Producer ids would go back from {_nextProducerId} to {ids.NextProducerId}.");
                _nextProducerId = ids.NextProducerId;
                break;
            case AccessControlEntryRecord acl:
                _acls[acl.Id] = StandardAcl.From(acl);
                break;
            case RemoveAccessControlEntryRecord removeAcl:
                if (!_acls.Remove(removeAcl.Id))
                    throw new InvalidDataException($"Removal of unknown ACL {removeAcl.Id}.");
                break;
            case UserScramCredentialRecord or RemoveUserScramCredentialRecord or ClientQuotaRecord:
                _security.Replay(record);
                break;
            default:
                throw new InvalidDataException($"Unexpected record {record.GetType().Name}.");
        }
        _offset = Math.Max(_offset, offset);
        HasChanges = true;
    }

    /// <summary>Notes that the log reached <paramref name="offset"/> without a metadata record (a control batch).</summary>
    public void Advance(long offset) => _offset = Math.Max(_offset, offset);

    public MetadataImage Apply() => new(_offset,
        new TopicsImage(_topics.ToImmutable(), _names.ToImmutable()),
        new ConfigsImage(_configs.ToImmutable()),
        new ClusterImage(_brokers.ToImmutable(), _nextProducerId))
    {
        Acls = new AclsImage(_acls.ToImmutable()),
        Scram = _security.Scram,
        ClientQuotas = _security.ClientQuotas,
    };

    private void SetTopic(TopicImage topic)
    {
        _topics[topic.Id] = topic;
        _names[topic.Name] = topic;
    }

    private void SetFenced(int id, long epoch, bool fenced)
    {
        if (_brokers.TryGetValue(id, out var broker) && broker.Epoch == epoch)
            _brokers[id] = broker with { Fenced = fenced };
    }
}
