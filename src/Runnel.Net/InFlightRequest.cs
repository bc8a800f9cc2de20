using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Net;

/// <summary>
/// A request on the wire awaiting its reply. Replies arrive in request order, so the connection keeps these in a
/// queue; each has its own deadline timer, started before its frame is written.
/// </summary>
internal sealed class InFlightRequest(ApiKey key, short version, int correlationId, IKafkaMessage response)
{
    private readonly TaskCompletionSource<IKafkaMessage> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _deadline;

    public ApiKey Key { get; } = key;

    public short Version { get; } = version;

    public int CorrelationId { get; } = correlationId;

    public Task<IKafkaMessage> Reply => _reply.Task;

    /// <summary>Calls <paramref name="expired"/> once <paramref name="timeout"/> passes without a reply.</summary>
    public void StartDeadline(TimeProvider time, TimeSpan timeout, Action<InFlightRequest, TimeSpan> expired)
        => _deadline = time.CreateTimer(_ =>
        {
            if (!_reply.Task.IsCompleted)
                expired(this, timeout);
        }, null, timeout, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Decodes the body of the reply frame (size prefix removed; its header ends at <paramref name="bodyStart"/>).
    /// The response keeps slices of <paramref name="frame"/> (records), so the frame must be this reply's own
    /// buffer. A body that does not decode fails only this request: the frame boundary is intact.
    /// </summary>
    public void Complete(ReadOnlyMemory<byte> frame, int bodyStart)
    {
        _deadline?.Dispose();
        var reader = new KafkaReader(frame[bodyStart..]);
        response.Read(ref reader, Version);
        if (!reader.Failed)
        {
            _reply.TrySetResult(response);
            return;
        }
        // KIP-511: a broker that does not speak our ApiVersions version answers with a v0-shaped body.
        if (Key == ApiKey.ApiVersions && Version > 0)
        {
            var fallback = new ApiVersionsResponse();
            var v0 = new KafkaReader(frame[bodyStart..]);
            fallback.Read(ref v0, 0);
            if (!v0.Failed)
            {
                _reply.TrySetResult(fallback);
                return;
            }
        }
        _reply.TrySetException(new InvalidDataException($"Could not decode the {ApiCatalog.Get(Key).Name} v{Version} reply: {reader.Failure}"));
    }

    public void Fail(Exception reason)
    {
        _deadline?.Dispose();
        _reply.TrySetException(reason);
    }
}
