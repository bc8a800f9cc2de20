using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Raft.Messages;

/// <summary>
/// The versions the quorum speaks on the wire, and how a message body is encoded and decoded at them. The simulation
/// sends every message through <see cref="RoundTrip"/>, so the core never relies on a field the wire drops.
/// </summary>
public static class RaftWire
{
    /// <summary>The version used to send <paramref name="api"/>: the newest we define.</summary>
    public static short Version(ApiKey api) => api switch
    {
        ApiKey.Vote => 2,
        ApiKey.BeginQuorumEpoch => 1,
        ApiKey.EndQuorumEpoch => 1,
        ApiKey.Fetch => 17,
        ApiKey.FetchSnapshot => 1,
        ApiKey.DescribeQuorum => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(api), api, "not a quorum API"),
    };

    public static IKafkaMessage Create(ApiKey api, bool request) => (api, request) switch
    {
        (ApiKey.Vote, true) => new VoteRequest(),
        (ApiKey.Vote, false) => new VoteResponse(),
        (ApiKey.BeginQuorumEpoch, true) => new BeginQuorumEpochRequest(),
        (ApiKey.BeginQuorumEpoch, false) => new BeginQuorumEpochResponse(),
        (ApiKey.EndQuorumEpoch, true) => new EndQuorumEpochRequest(),
        (ApiKey.EndQuorumEpoch, false) => new EndQuorumEpochResponse(),
        (ApiKey.Fetch, true) => new FetchRequest(),
        (ApiKey.Fetch, false) => new FetchResponse(),
        (ApiKey.FetchSnapshot, true) => new FetchSnapshotRequest(),
        (ApiKey.FetchSnapshot, false) => new FetchSnapshotResponse(),
        _ => throw new ArgumentOutOfRangeException(nameof(api), api, "not a quorum API"),
    };

    public static byte[] Encode(IKafkaMessage body, short version)
    {
        using var writer = new KafkaWriter(256);
        body.Write(writer, version);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a body; throws <see cref="InvalidDataException"/> when the bytes do not hold one.</summary>
    public static IKafkaMessage Decode(ApiKey api, bool request, ReadOnlyMemory<byte> bytes, short version)
    {
        var body = Create(api, request);
        var reader = new KafkaReader(bytes);
        body.Read(ref reader, version);
        if (reader.Failed)
            throw new InvalidDataException($"{api} {(request ? "request" : "response")} v{version}: {reader.Failure}");
        return body;
    }

    public static RaftMessage RoundTrip(RaftMessage message)
    {
        var version = Version(message.Api);
        return message with { Body = Decode(message.Api, message.IsRequest, Encode(message.Body, version), version) };
    }
}
