using Runnel.Metadata.Records;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Raft.Log;

namespace Runnel.Metadata.Image;

/// <summary>
/// An image as a snapshot, in Kafka's layout: a SnapshotHeaderRecord control batch, batches of metadata records
/// that rebuild the image from empty, and a SnapshotFooterRecord control batch.
/// </summary>
public static class MetadataSnapshot
{
    private const int RecordsPerBatch = 500;

    /// <summary>The records that rebuild <paramref name="image"/> from an empty one.</summary>
    public static IEnumerable<IKafkaMessage> Records(MetadataImage image)
    {
        foreach (var broker in image.Cluster.Brokers.Values)
        {
            yield return new RegisterBrokerRecord
            {
                BrokerId = broker.Id,
                BrokerEpoch = broker.Epoch,
                IncarnationId = broker.IncarnationId,
                EndPoints = [.. broker.Endpoints.Select(e => new RegisterBrokerRecord.BrokerEndpoint { Name = e.Name, Host = e.Host, Port = (ushort)e.Port, SecurityProtocol = e.SecurityProtocol })],
                Rack = broker.Rack,
                Fenced = broker.Fenced,
            };
            if (broker.InControlledShutdown)
                yield return new BrokerRegistrationChangeRecord { BrokerId = broker.Id, BrokerEpoch = broker.Epoch, InControlledShutdown = 1 };
        }
        if (image.Cluster.NextProducerId > 0)
            yield return new ProducerIdsRecord { BrokerId = -1, NextProducerId = image.Cluster.NextProducerId };
        foreach (var topic in image.Topics.ByName.Values)
        {
            yield return new TopicRecord { Name = topic.Name, TopicId = topic.Id };
            foreach (var p in topic.Partitions.Values)
                yield return ToRecord(topic.Id, p);
        }
        foreach (var (resource, values) in image.Configs.Resources.OrderBy(r => r.Key.Type).ThenBy(r => r.Key.Name, StringComparer.Ordinal))
        {
            foreach (var (name, value) in values)
                yield return new ConfigRecord { ResourceType = (sbyte)resource.Type, ResourceName = resource.Name, Name = name, Value = value };
        }
        foreach (var (id, acl) in image.Acls.ById.OrderBy(a => a.Key))
            yield return acl.ToRecord(id);
        foreach (var record in SecurityRecords(image))
            yield return record;
    }

    /// <summary>The SCRAM credentials and client quotas of <paramref name="image"/> as records.</summary>
    private static IEnumerable<IKafkaMessage> SecurityRecords(MetadataImage image)
    {
        foreach (var (user, credentials) in image.Scram.Users)
        {
            foreach (var (mechanism, c) in credentials)
                yield return new UserScramCredentialRecord { Name = user, Mechanism = (sbyte)mechanism, Salt = c.Salt, StoredKey = c.StoredKey, ServerKey = c.ServerKey, Iterations = c.Iterations };
        }
        foreach (var (entity, values) in image.ClientQuotas.Entities)
        {
            foreach (var (key, value) in values)
            {
                yield return new ClientQuotaRecord
                {
                    Entity = [.. entity.Parts.Select(p => new ClientQuotaRecord.EntityData { EntityType = p.Key, EntityName = p.Value })],
                    Key = key,
                    Value = value,
                };
            }
        }
    }

    public static PartitionRecord ToRecord(Guid topicId, PartitionImage p) => new()
    {
        PartitionId = p.Id,
        TopicId = topicId,
        Replicas = [.. p.Replicas],
        Isr = [.. p.Isr],
        Leader = p.Leader,
        LeaderEpoch = p.LeaderEpoch,
        PartitionEpoch = p.PartitionEpoch,
        AddingReplicas = [.. p.Adding],
        RemovingReplicas = [.. p.Removing],
    };

    public static byte[] Write(MetadataImage image, long timestamp)
    {
        using var output = new MemoryStream();
        long offset = 0;
        output.Write(RaftBatches.Control(offset++, 0, timestamp, ControlRecordType.SnapshotHeader, new SnapshotHeaderRecord { LastContainedLogTimestamp = timestamp }));
        foreach (var chunk in Records(image).Select(MetadataRecordSerde.Write).Chunk(RecordsPerBatch))
        {
            output.Write(RaftBatches.Data(offset, 0, timestamp, [.. chunk.Select(r => (ReadOnlyMemory<byte>)r)]));
            offset += chunk.Length;
        }
        output.Write(RaftBatches.Control(offset, 0, timestamp, ControlRecordType.SnapshotFooter, new SnapshotFooterRecord()));
        return output.ToArray();
    }

    /// <summary>Rebuilds the image a snapshot holds; its offset is the last one the snapshot covers.</summary>
    public static MetadataImage Read(long endOffset, ReadOnlySpan<byte> data)
    {
        var delta = new MetadataDelta(MetadataImage.Empty);
        var position = 0;
        foreach (var info in BatchHeaders.Walk(data))
        {
            var batch = data.Slice(position, info.Size);
            position += info.Size;
            if (info.IsControl)
                continue;
            foreach (var value in RaftBatches.Values(batch))
                delta.Replay(MetadataRecordSerde.Read(value), endOffset - 1);
        }
        delta.Advance(endOffset - 1);
        return delta.Apply();
    }
}
