using Runnel.Metadata.Image;
using Runnel.Metadata.Records;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Records;
using Runnel.Raft;
using Runnel.Raft.Log;

namespace Runnel.Metadata.Controller;

/// <summary>Receives every new image, on the quorum's thread, in commit order.</summary>
public interface IMetadataPublisher
{
    void Publish(MetadataImage image);
}

/// <summary>A controller operation could not finish because this node does not (or no longer) lead the quorum.</summary>
public sealed class NotControllerException(string message) : Exception(message);

/// <summary>
/// The quorum's state machine: replays committed metadata records into images on the quorum's thread, and hands each
/// to the publishers on a thread of its own, in commit order (opening or deleting partition logs never stalls the
/// quorum), then makes it the <see cref="Image"/> and completes whoever waits for that offset (so an acknowledged
/// change is visible locally). Snapshots the applied image every <see cref="SnapshotBytes"/> bytes of log (Kafka's
/// metadata.log.max.record.bytes.between.snapshots).
/// </summary>
public sealed class MetadataLoader : IRaftStateMachine, IDisposable
{
    private readonly int _nodeId;
    private readonly System.Threading.Channels.Channel<Action> _publishing =
        System.Threading.Channels.Channel.CreateUnbounded<Action>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });
    private readonly Task _publisher;

    public MetadataLoader(int nodeId, long snapshotBytes = 20 * 1024 * 1024)
    {
        _nodeId = nodeId;
        SnapshotBytes = snapshotBytes;
        _publisher = Task.Run(PublishLoopAsync);
    }

    private readonly object _lock = new();
    private readonly List<(long Offset, TaskCompletionSource Done)> _waiters = [];
    private readonly List<IMetadataPublisher> _publishers = [];
    private MetadataImage _image = MetadataImage.Empty;

    /// <summary>The image with every applied record, ahead of <see cref="Image"/> by what is still being published; the quorum's thread only.</summary>
    private MetadataImage _applied = MetadataImage.Empty;
    private OffsetAndEpoch _lastApplied = OffsetAndEpoch.Zero;
    private long _bytesSinceSnapshot;
    private int _leaderEpoch = -1;
    private int? _leaderId;
    private int _epochStartApplied = -1;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long SnapshotBytes { get; }

    /// <summary>A publisher threw; publishing goes on with the next image (the broker logs it).</summary>
    public Action<Exception>? PublishFailed { get; set; }

    /// <summary>The newest committed image the publishers have applied; safe to read from any thread.</summary>
    public MetadataImage Image => Volatile.Read(ref _image);

    /// <summary>Snapshots written by this node (for tests and the operator).</summary>
    public int SnapshotsWritten { get; private set; }

    /// <summary>The quorum leader as this node last heard (null while unknown), for clients looking for the controller.</summary>
    public int? LeaderId
    {
        get
        {
            lock (_lock)
                return _leaderId;
        }
    }

    /// <summary>True while this node leads and has published its own epoch's start: its image is complete.</summary>
    public bool IsActiveController
    {
        get
        {
            lock (_lock)
                return _leaderId == _nodeId && _epochStartApplied == _leaderEpoch;
        }
    }

    /// <summary>The epoch this node leads as the active controller, or null when it is not active.</summary>
    public int? ActiveEpoch
    {
        get
        {
            lock (_lock)
                return _leaderId == _nodeId && _epochStartApplied == _leaderEpoch ? _leaderEpoch : null;
        }
    }

    /// <summary>Adds a publisher, in line with the images: it gets the current image first, then every new one.</summary>
    public Task SubscribeAsync(IMetadataPublisher publisher)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(() =>
        {
            _publishers.Add(publisher);
            publisher.Publish(Image);
            done.TrySetResult();
        });
        return done.Task;
    }

    public void Apply(BatchInfo info, ReadOnlySpan<byte> batch)
    {
        _lastApplied = new OffsetAndEpoch(info.LastOffset + 1, info.Epoch);
        _bytesSinceSnapshot += info.Size;
        var delta = new MetadataDelta(_applied);
        int? epochStart = null;
        if (info.IsControl)
        {
            var records = RecordBatch.ReadRecords(batch);
            if (records.MoveNext() && ControlRecord.TryReadType(records.Current.Key, out var type) && type == ControlRecordType.LeaderChange)
                epochStart = info.Epoch;
            delta.Advance(info.LastOffset);
        }
        else
        {
            var offset = info.BaseOffset;
            foreach (var value in RaftBatches.Values(batch))
                delta.Replay(MetadataRecordSerde.Read(value), offset++);
        }
        Publish(delta.Apply(), delta.HasChanges, epochStart);
    }

    public void LoadSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data)
    {
        _lastApplied = id;
        _bytesSinceSnapshot = 0;
        Publish(MetadataSnapshot.Read(id.Offset, data), changed: true);
    }

    public void OnLeaderChange(int epoch, int? leaderId)
    {
        List<(long, TaskCompletionSource Done)> failed;
        lock (_lock)
        {
            _leaderEpoch = epoch;
            _leaderId = leaderId;
            // Whatever was appended and not yet committed may or may not survive the change: callers hear
            // NOT_CONTROLLER and retry, as Kafka's controller answers.
            failed = [.. _waiters];
            _waiters.Clear();
        }
        SignalChanged();
        foreach (var (_, done) in failed)
            done.TrySetException(new NotControllerException($"Leadership changed to {leaderId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} in epoch {epoch}."));
    }

    /// <summary>Completes once <paramref name="offset"/> is committed and applied here.</summary>
    public Task WaitForAsync(long offset)
    {
        lock (_lock)
        {
            if (Image.Offset >= offset)
                return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((offset, done));
            return done.Task;
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the image (or for this loader: a leader known, this node
    /// active), re-checked at every new image and leader change, never polled; false after <paramref name="timeout"/>.
    /// Unlike <see cref="WaitForAsync"/> it survives leader changes.
    /// </summary>
    public async Task<bool> WaitUntilAsync(Func<MetadataImage, bool> condition, TimeSpan timeout, TimeProvider time, CancellationToken cancellation = default)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellation);
        while (true)
        {
            var next = Volatile.Read(ref _changed).Task;
            if (condition(Image))
                return true;
            try
            {
                await next.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                return condition(Image);
            }
        }
    }

    private void SignalChanged() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Called on the quorum's thread after each step: snapshots when enough log has gone by.</summary>
    public void SnapshotIfDue(RaftNode node, long timestamp)
    {
        if (_bytesSinceSnapshot < SnapshotBytes || _lastApplied.Offset <= (node.Log.LatestSnapshot?.Offset ?? 0))
            return;
        if (node.CreateSnapshot(_lastApplied, MetadataSnapshot.Write(_applied, timestamp)))
        {
            _bytesSinceSnapshot = 0;
            SnapshotsWritten++;
        }
    }

    /// <summary>Queues <paramref name="image"/> for the publishers (the quorum's thread moves on at once).</summary>
    private void Publish(MetadataImage image, bool changed, int? epochStart = null)
    {
        _applied = image;
        Enqueue(() => PublishNow(image, changed, epochStart));
    }

    /// <summary>Queues work for the publishing thread; after <see cref="Dispose"/> it is dropped (nothing publishes any more).</summary>
    private void Enqueue(Action work) => _publishing.Writer.TryWrite(work);

    private async Task PublishLoopAsync()
    {
        await foreach (var work in _publishing.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                PublishFailed?.Invoke(e);
            }
        }
    }

    private void PublishNow(MetadataImage image, bool changed, int? epochStart)
    {
        // Publishers first, then the image: whoever sees the new offset (a waiter checking it) must also find the
        // change published (the topic served), or an acknowledged create could be followed by "unknown topic".
        if (changed)
        {
            foreach (var publisher in _publishers)
            {
                try
                {
                    publisher.Publish(image);
                }
                catch (Exception e)
                {
                    PublishFailed?.Invoke(e);
                }
            }
        }
        Volatile.Write(ref _image, image);
        List<TaskCompletionSource> done;
        lock (_lock)
        {
            // The controller decides against the published image, so it is active only once its epoch's start is in it.
            if (epochStart is { } epoch)
                _epochStartApplied = epoch;
            done = [.. _waiters.Where(w => w.Offset <= image.Offset).Select(w => w.Done)];
            _waiters.RemoveAll(w => w.Offset <= image.Offset);
        }
        SignalChanged();
        foreach (var waiter in done)
            waiter.TrySetResult();
    }

    /// <summary>Stops publishing after what is queued.</summary>
    public void Dispose()
    {
        _publishing.Writer.TryComplete();
        _publisher.Wait(TimeSpan.FromSeconds(30));
    }
}
