using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Records;

/// <summary>Kafka's api keys of the metadata records Runnel writes (MetadataRecordType.java).</summary>
public enum MetadataRecordType : short
{
    RegisterBroker = 0,
    Topic = 2,
    Partition = 3,
    Config = 4,
    FenceBroker = 7,
    UnfenceBroker = 8,
    RemoveTopic = 9,
    ProducerIds = 15,
}

/// <summary>
/// A metadata record as a log record's value, framed as Kafka frames it (AbstractApiMessageSerde): frame version 1,
/// api key and version as unsigned varints, then the message body.
/// </summary>
public static class MetadataRecordSerde
{
    private const uint FrameVersion = 1;

    public static MetadataRecordType TypeOf(IKafkaMessage record) => record switch
    {
        RegisterBrokerRecord => MetadataRecordType.RegisterBroker,
        TopicRecord => MetadataRecordType.Topic,
        PartitionRecord => MetadataRecordType.Partition,
        ConfigRecord => MetadataRecordType.Config,
        FenceBrokerRecord => MetadataRecordType.FenceBroker,
        UnfenceBrokerRecord => MetadataRecordType.UnfenceBroker,
        RemoveTopicRecord => MetadataRecordType.RemoveTopic,
        ProducerIdsRecord => MetadataRecordType.ProducerIds,
        _ => throw new ArgumentException($"{record.GetType().Name} is not a metadata record.", nameof(record)),
    };

    public static byte[] Write(IKafkaMessage record)
    {
        using var writer = new KafkaWriter(128);
        writer.WriteUnsignedVarInt(FrameVersion);
        writer.WriteUnsignedVarInt((uint)TypeOf(record));
        writer.WriteUnsignedVarInt(0);
        record.Write(writer, 0);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes one record; throws <see cref="InvalidDataException"/> for a frame it does not know.</summary>
    public static IKafkaMessage Read(ReadOnlyMemory<byte> value)
    {
        var reader = new KafkaReader(value);
        var frame = reader.ReadUnsignedVarInt();
        var type = (MetadataRecordType)reader.ReadUnsignedVarInt();
        var version = (short)reader.ReadUnsignedVarInt();
        if (reader.Failed || frame != FrameVersion || version != 0)
            throw new InvalidDataException($"Unknown metadata record frame {frame}, type {type}, version {version}.");
        IKafkaMessage record = type switch
        {
            MetadataRecordType.RegisterBroker => new RegisterBrokerRecord(),
            MetadataRecordType.Topic => new TopicRecord(),
            MetadataRecordType.Partition => new PartitionRecord(),
            MetadataRecordType.Config => new ConfigRecord(),
            MetadataRecordType.FenceBroker => new FenceBrokerRecord(),
            MetadataRecordType.UnfenceBroker => new UnfenceBrokerRecord(),
            MetadataRecordType.RemoveTopic => new RemoveTopicRecord(),
            MetadataRecordType.ProducerIds => new ProducerIdsRecord(),
            _ => throw new InvalidDataException($"Unknown metadata record type {(short)type}."),
        };
        record.Read(ref reader, version);
        if (reader.Failed)
            throw new InvalidDataException($"Malformed {type} record: {reader.Failure}");
        return record;
    }
}
