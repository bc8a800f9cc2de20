namespace Runnel.Protocol.Primitives;

/// <summary>A generated message or struct: decoded and encoded for one protocol version at a time.</summary>
public interface IKafkaMessage
{
    /// <summary>Decodes into this instance. Check <see cref="KafkaReader.Failed"/> afterwards.</summary>
    void Read(ref KafkaReader reader, short version);

    void Write(KafkaWriter writer, short version);
}

/// <summary>A response with a top-level throttle_time_ms (the versions without the field do not encode it).</summary>
public interface IThrottledResponse
{
    int ThrottleTimeMs { get; set; }
}

/// <summary>
/// A tagged field this code does not know. It is kept so the message re-encodes byte for byte, which lets
/// newer clients' optional fields pass through us untouched.
/// </summary>
public readonly record struct RawTaggedField(int Tag, byte[] Data);

/// <summary>Helpers the generated code calls for tagged-field sections.</summary>
public static class TaggedFields
{
    /// <summary>Writes the tagged-field section of a struct that knows no tags.</summary>
    public static void WriteUnknown(KafkaWriter writer, List<RawTaggedField>? fields)
    {
        writer.WriteUnsignedVarInt((uint)(fields?.Count ?? 0));
        var next = 0;
        WriteUnknownBelow(writer, fields, ref next, int.MaxValue);
    }

    /// <summary>
    /// Writes the unknown tagged fields, in their stored order, whose tag is below <paramref name="belowTag"/>,
    /// so that known and unknown fields interleave in ascending tag order.
    /// </summary>
    public static void WriteUnknownBelow(KafkaWriter writer, List<RawTaggedField>? fields, ref int next, int belowTag)
    {
        if (fields is null)
            return;
        while (next < fields.Count && fields[next].Tag < belowTag)
        {
            var field = fields[next++];
            writer.WriteUnsignedVarInt((uint)field.Tag);
            writer.WriteUnsignedVarInt((uint)field.Data.Length);
            writer.WriteRaw(field.Data);
        }
    }
}
