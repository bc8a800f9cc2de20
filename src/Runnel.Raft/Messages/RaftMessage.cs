using Runnel.Protocol;
using Runnel.Protocol.Primitives;

namespace Runnel.Raft.Messages;

/// <summary>
/// One Raft message between two nodes: a Kafka request or response body (VoteRequest, FetchResponse, ...) with who
/// sent it, to whom, and the correlation id that pairs a response with its request. The core sees only these; a
/// transport turns them into Kafka frames on a socket, the simulation into events on a virtual network.
/// </summary>
public sealed record RaftMessage(int Source, int Destination, int CorrelationId, ApiKey Api, bool IsRequest, IKafkaMessage Body)
{
    public override string ToString() => $"{Api}{(IsRequest ? "Request" : "Response")} {Source}->{Destination} #{CorrelationId}";
}

/// <summary>Where the core sends messages. It must not block and must not call back into the core.</summary>
public interface IRaftNetwork
{
    void Send(RaftMessage message);
}
