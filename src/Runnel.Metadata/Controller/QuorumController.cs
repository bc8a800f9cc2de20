using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Metadata.Records;
using Runnel.Raft;

namespace Runnel.Metadata.Controller;

/// <summary>
/// The active controller's door: an operation decides against the committed image, its records are appended as one
/// batch (so the change is atomic), and the caller gets the answer only once that batch is committed and applied.
/// Operations run one at a time, so each decides against an image that includes every earlier one.
/// </summary>
public sealed class QuorumController(RaftDriver driver, MetadataLoader loader) : IDisposable
{
    /// <summary>How long a committed answer may take before the caller hears REQUEST_TIMED_OUT.</summary>
    public static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _serial = new(1, 1);

    public MetadataLoader Loader => loader;

    /// <summary>Waits (up to <paramref name="timeout"/>) until this node is the active controller.</summary>
    public Task<bool> WaitForActiveAsync(TimeSpan timeout, CancellationToken cancellation = default)
        => loader.IsActiveController ? Task.FromResult(true) : loader.WaitUntilAsync(_ => loader.IsActiveController, timeout, TimeProvider.System, cancellation);

    /// <summary>
    /// Runs <paramref name="decide"/> against the committed image and commits the records it returns. Throws
    /// <see cref="NotControllerException"/> when this node does not lead (or stops leading before the commit).
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<MetadataImage, ControllerResult<T>> decide, CancellationToken cancellation = default)
    {
        await _serial.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (!await WaitForActiveAsync(TimeSpan.FromSeconds(5), cancellation).ConfigureAwait(false))
                throw new NotControllerException("This node is not the active controller.");
            var result = decide(loader.Image);
            if (result.Records.Count == 0)
                return result.Response;
            var values = result.Records.Select(r => (ReadOnlyMemory<byte>)MetadataRecordSerde.Write(r)).ToList();
            var offset = await driver.AppendAsync(values).ConfigureAwait(false)
                ?? throw new NotControllerException("This node stopped leading the quorum.");
            await loader.WaitForAsync(offset).WaitAsync(CommitTimeout, cancellation).ConfigureAwait(false);
            return result.Response;
        }
        finally
        {
            _serial.Release();
        }
    }

    public void Dispose() => _serial.Dispose();
}
