using Runnel.Protocol.Messages;

namespace Runnel.Protocol.Primitives;

/// <summary>
/// The classic consumer protocol's payloads (the bytes JoinGroup and SyncGroup carry): an int16 version followed
/// by the body at that version. A newer version than we know is read at our highest, as Kafka does, because
/// later versions only append fields.
/// </summary>
public static class ConsumerProtocol
{
    public const string ProtocolType = "consumer";

    public static ConsumerProtocolSubscription? ReadSubscription(ReadOnlyMemory<byte> bytes, out string? failure)
        => Read(bytes, new ConsumerProtocolSubscription(), ConsumerProtocolSubscription.HighestSupportedVersion, out failure);

    public static ConsumerProtocolAssignment? ReadAssignment(ReadOnlyMemory<byte> bytes, out string? failure)
        => Read(bytes, new ConsumerProtocolAssignment(), ConsumerProtocolAssignment.HighestSupportedVersion, out failure);

    public static byte[] Write(ConsumerProtocolSubscription subscription, short version) => WriteVersioned(subscription, version);

    public static byte[] Write(ConsumerProtocolAssignment assignment, short version) => WriteVersioned(assignment, version);

    private static T? Read<T>(ReadOnlyMemory<byte> bytes, T message, short highest, out string? failure)
        where T : class, IKafkaMessage
    {
        var reader = new KafkaReader(bytes);
        var version = reader.ReadInt16();
        if (version < 0)
            reader.Fail($"negative consumer protocol version {version}");
        message.Read(ref reader, Math.Min(version, highest));
        failure = reader.Failure;
        return reader.Failed ? null : message;
    }

    private static byte[] WriteVersioned(IKafkaMessage message, short version)
    {
        using var writer = new KafkaWriter(256);
        writer.WriteInt16(version);
        message.Write(writer, version);
        return writer.WrittenSpan.ToArray();
    }
}
