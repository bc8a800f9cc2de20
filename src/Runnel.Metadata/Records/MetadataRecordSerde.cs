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
    PartitionChange = 5,
    FenceBroker = 7,
    UnfenceBroker = 8,
    RemoveTopic = 9,
    UserScramCredential = 11,
    ClientQuota = 14,
    ProducerIds = 15,
    BrokerRegistrationChange = 17,
    AccessControlEntry = 18,
    RemoveAccessControlEntry = 19,
    RemoveUserScramCredential = 22,
}

/// <summary>
/// A metadata record as a log record's value, framed as Kafka frames it (AbstractApiMessageSerde): frame version 1,
/// api key and version as unsigned varints, then the message body. A record is written at the lowest version that
/// holds every field it sets, and read at any version its schema defines.
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
        PartitionChangeRecord => MetadataRecordType.PartitionChange,
        FenceBrokerRecord => MetadataRecordType.FenceBroker,
        UnfenceBrokerRecord => MetadataRecordType.UnfenceBroker,
        RemoveTopicRecord => MetadataRecordType.RemoveTopic,
        ProducerIdsRecord => MetadataRecordType.ProducerIds,
        BrokerRegistrationChangeRecord => MetadataRecordType.BrokerRegistrationChange,
        AccessControlEntryRecord => MetadataRecordType.AccessControlEntry,
        RemoveAccessControlEntryRecord => MetadataRecordType.RemoveAccessControlEntry,
        UserScramCredentialRecord => MetadataRecordType.UserScramCredential,
        RemoveUserScramCredentialRecord => MetadataRecordType.RemoveUserScramCredential,
        ClientQuotaRecord => MetadataRecordType.ClientQuota,
        _ => throw new ArgumentException($"{record.GetType().Name} is not a metadata record.", nameof(record)),
    };

    /// <summary>
    /// The version <paramref name="record"/> is written at: the lowest whose fields include every one it sets, as Kafka's
    /// controller does (directories need PartitionChangeRecord v1 and eligible leader replicas v2; a controlled shutdown
    /// needs BrokerRegistrationChangeRecord v1 and log directories v2).
    /// </summary>
    public static short VersionOf(IKafkaMessage record) => record switch
    {
        PartitionChangeRecord { EligibleLeaderReplicas: not null } or PartitionChangeRecord { LastKnownElr: not null } => 2,
        PartitionChangeRecord { Directories: not null } => 1,
        BrokerRegistrationChangeRecord { LogDirs.Count: > 0 } => 2,
        BrokerRegistrationChangeRecord { InControlledShutdown: not 0 } => 1,
        _ => 0,
    };

    public static byte[] Write(IKafkaMessage record)
    {
        var version = VersionOf(record);
        using var writer = new KafkaWriter(128);
        writer.WriteUnsignedVarInt(FrameVersion);
        writer.WriteUnsignedVarInt((uint)TypeOf(record));
        writer.WriteUnsignedVarInt((uint)version);
        record.Write(writer, version);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes one record; throws <see cref="InvalidDataException"/> for a frame it does not know.</summary>
    public static IKafkaMessage Read(ReadOnlyMemory<byte> value)
    {
        var reader = new KafkaReader(value);
        var frame = reader.ReadUnsignedVarInt();
        var type = (MetadataRecordType)reader.ReadUnsignedVarInt();
        var version = (short)reader.ReadUnsignedVarInt();
        if (reader.Failed || frame != FrameVersion)
            throw new InvalidDataException($"Unknown metadata record frame {frame}, type {type}, version {version}.");
        (IKafkaMessage Record, short Highest) known = type switch
        {
            MetadataRecordType.RegisterBroker => (new RegisterBrokerRecord(), RegisterBrokerRecord.HighestSupportedVersion),
            MetadataRecordType.Topic => (new TopicRecord(), TopicRecord.HighestSupportedVersion),
            MetadataRecordType.Partition => (new PartitionRecord(), PartitionRecord.HighestSupportedVersion),
            MetadataRecordType.Config => (new ConfigRecord(), ConfigRecord.HighestSupportedVersion),
            MetadataRecordType.PartitionChange => (new PartitionChangeRecord(), PartitionChangeRecord.HighestSupportedVersion),
            MetadataRecordType.FenceBroker => (new FenceBrokerRecord(), FenceBrokerRecord.HighestSupportedVersion),
            MetadataRecordType.UnfenceBroker => (new UnfenceBrokerRecord(), UnfenceBrokerRecord.HighestSupportedVersion),
            MetadataRecordType.RemoveTopic => (new RemoveTopicRecord(), RemoveTopicRecord.HighestSupportedVersion),
            MetadataRecordType.ProducerIds => (new ProducerIdsRecord(), ProducerIdsRecord.HighestSupportedVersion),
            MetadataRecordType.BrokerRegistrationChange => (new BrokerRegistrationChangeRecord(), BrokerRegistrationChangeRecord.HighestSupportedVersion),
            MetadataRecordType.AccessControlEntry => (new AccessControlEntryRecord(), AccessControlEntryRecord.HighestSupportedVersion),
            MetadataRecordType.RemoveAccessControlEntry => (new RemoveAccessControlEntryRecord(), RemoveAccessControlEntryRecord.HighestSupportedVersion),
            MetadataRecordType.UserScramCredential => (new UserScramCredentialRecord(), UserScramCredentialRecord.HighestSupportedVersion),
            MetadataRecordType.RemoveUserScramCredential => (new RemoveUserScramCredentialRecord(), RemoveUserScramCredentialRecord.HighestSupportedVersion),
            MetadataRecordType.ClientQuota => (new ClientQuotaRecord(), ClientQuotaRecord.HighestSupportedVersion),
            _ => throw new InvalidDataException($"Unknown metadata record type {(short)type}."),
        };
        if (version < 0 || version > known.Highest)
            throw new InvalidDataException($"Unknown metadata record frame {frame}, type {type}, version {version}.");
        var record = known.Record;
        record.Read(ref reader, version);
        if (reader.Failed)
            throw new InvalidDataException($"Malformed {type} record: {reader.Failure}");
        return record;
    }
}
