using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Client.Network;

/// <summary>A request on the wire awaiting its reply; replies arrive in request order, so a queue matches them.</summary>
internal sealed class PendingRequest(ApiKey key, short version, int correlationId, IKafkaMessage response)
{
    public ApiKey Key { get; } = key;

    public short Version { get; } = version;

    public int CorrelationId { get; } = correlationId;

    public TaskCompletionSource<IKafkaMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Decodes the reply frame (size prefix removed). A body that does not decode fails only this request: the frame
    /// boundary is intact, so the connection carries on. A wrong correlation id means the stream is out of step,
    /// which the caller must treat as fatal.
    /// </summary>
    /// <returns>False when the correlation id does not match.</returns>
    public bool Complete(ReadOnlyMemory<byte> frame)
    {
        var reader = new KafkaReader(frame);
        var header = new ResponseHeader();
        header.Read(ref reader, Framing.ResponseHeaderVersion((short)Key, Version));
        if (reader.Failed || header.CorrelationId != CorrelationId)
            return false;
        var bodyStart = reader.Position;
        response.Read(ref reader, Version);
        if (!reader.Failed)
        {
            Completion.TrySetResult(response);
            return true;
        }
        var failure = reader.Failure;
        // A broker that does not speak our ApiVersions version answers with a v0-shaped body (KIP-511).
        if (Key == ApiKey.ApiVersions && Version > 0)
        {
            var fallback = new ApiVersionsResponse();
            var v0 = new KafkaReader(frame[bodyStart..]);
            fallback.Read(ref v0, 0);
            if (!v0.Failed)
            {
                Completion.TrySetResult(fallback);
                return true;
            }
        }
        Completion.TrySetException(new RunnelException(
            $"Could not decode the {ApiCatalog.Get(Key).Name} v{Version} reply: {failure}"));
        return true;
    }
}
