using System.Buffers.Binary;
using Runnel.Protocol.Messages;

namespace Runnel.Protocol.Primitives;

/// <summary>
/// Frame-level rules: which header version a request or response uses, reading a request header, and writing
/// a whole size-prefixed frame. A frame is int32 size (excluding itself), header, body.
/// </summary>
public static class Framing
{
    /// <summary>Header version of a request; unknown APIs are read with v1 so their client id can still be logged.</summary>
    public static short RequestHeaderVersion(short apiKey, short apiVersion)
        => ApiCatalog.Find(apiKey)?.RequestHeaderVersion(apiVersion) ?? 1;

    public static short ResponseHeaderVersion(short apiKey, short apiVersion)
        => ApiCatalog.Find(apiKey)?.ResponseHeaderVersion(apiVersion) ?? 0;

    /// <summary>Reads the request header of a frame (size prefix removed); the reader is left at the body.</summary>
    public static RequestHeader ReadRequestHeader(ref KafkaReader reader, ReadOnlySpan<byte> frame)
    {
        var header = new RequestHeader();
        if (frame.Length < 4)
        {
            reader.Fail("request frame shorter than its api key and version");
            return header;
        }
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame);
        var apiVersion = BinaryPrimitives.ReadInt16BigEndian(frame[2..]);
        header.Read(ref reader, RequestHeaderVersion(apiKey, apiVersion));
        return header;
    }

    /// <summary>Writes int32 size + request header + body.</summary>
    public static void WriteRequest(KafkaWriter writer, RequestHeader header, IKafkaMessage body)
    {
        var sizeAt = writer.ReserveInt32();
        header.Write(writer, RequestHeaderVersion(header.RequestApiKey, header.RequestApiVersion));
        body.Write(writer, header.RequestApiVersion);
        writer.PatchInt32(sizeAt, writer.Length - sizeAt - 4);
    }

    /// <summary>Writes int32 size + response header + body, for the request's key and version.</summary>
    public static void WriteResponse(KafkaWriter writer, int correlationId, short apiKey, short apiVersion, IKafkaMessage body)
    {
        var sizeAt = writer.ReserveInt32();
        new ResponseHeader { CorrelationId = correlationId }.Write(writer, ResponseHeaderVersion(apiKey, apiVersion));
        body.Write(writer, apiVersion);
        writer.PatchInt32(sizeAt, writer.Length - sizeAt - 4);
    }
}
