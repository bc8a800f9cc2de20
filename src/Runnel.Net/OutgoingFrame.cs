using Runnel.Protocol.Primitives;

namespace Runnel.Net;

/// <summary>
/// One framed request waiting for the writer. The bytes are rented (returned once written or dropped); a request
/// without a reply (acks=0) learns through <see cref="Written"/> that its bytes left, which also paces its sender.
/// </summary>
internal sealed class OutgoingFrame(KafkaWriter bytes, bool tracksWrite) : IDisposable
{
    private readonly TaskCompletionSource? _written = tracksWrite ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;

    public ReadOnlyMemory<byte> Bytes => bytes.WrittenMemory;

    public Task Written => _written?.Task ?? Task.CompletedTask;

    public void Sent() => _written?.TrySetResult();

    public void Dropped(Exception reason) => _written?.TrySetException(reason);

    public void Dispose() => bytes.Dispose();
}
