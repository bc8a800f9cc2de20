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
/// The quorum's state machine: replays committed metadata records into images and hands each to the publishers,
/// then completes whoever waits for that offset (so an acknowledged change is visible locally). Snapshots the image
/// every <see cref="SnapshotBytes"/> bytes of log (Kafka's metadata.log.max.record.bytes.between.snapshots).
/// </summary>
public sealed class MetadataLoader(int nodeId, long snapshotBytes = 20 * 1024 * 1024) : IRaftStateMachine
{
    private readonly object _lock = new();
    private readonly List<(long Offset, TaskCompletionSource Done)> _waiters = [];
    private readonly List<IMetadataPublisher> _publishers = [];
    private MetadataImage _image = MetadataImage.Empty;
    private OffsetAndEpoch _lastApplied = OffsetAndEpoch.Zero;
    private long _bytesSinceSnapshot;
    private int _leaderEpoch = -1;
    private int? _leaderId;
    private int _epochStartApplied = -1;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long SnapshotBytes { get; } = snapshotBytes;

    /// <summary>The newest committed image; safe to read from any thread.</summary>
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

    /// <summary>True while this node leads and has applied its own epoch's start: its image is complete.</summary>
    public bool IsActiveController
    {
        get
        {
            lock (_lock)
                return _leaderId == nodeId && _epochStartApplied == _leaderEpoch;
        }
    }

    /// <summary>The epoch this node leads as the active controller, or null when it is not active.</summary>
    public int? ActiveEpoch
    {
        get
        {
            lock (_lock)
                return _leaderId == nodeId && _epochStartApplied == _leaderEpoch ? _leaderEpoch : null;
        }
    }

    /// <summary>Adds a publisher; call it on the quorum's thread (through the driver) so it sees no image twice.</summary>
    public void Subscribe(IMetadataPublisher publisher)
    {
        _publishers.Add(publisher);
        publisher.Publish(Image);
    }

    public void Apply(BatchInfo info, ReadOnlySpan<byte> batch)
    {
        _lastApplied = new OffsetAndEpoch(info.LastOffset + 1, info.Epoch);
        _bytesSinceSnapshot += info.Size;
        var delta = new MetadataDelta(Image);
        if (info.IsControl)
        {
            var records = RecordBatch.ReadRecords(batch);
            if (records.MoveNext() && ControlRecord.TryReadType(records.Current.Key, out var type) && type == ControlRecordType.LeaderChange)
            {
                lock (_lock)
                    _epochStartApplied = info.Epoch;
            }
            delta.Advance(info.LastOffset);
        }
        else
        {
            var offset = info.BaseOffset;
            foreach (var value in RaftBatches.Values(batch))
                delta.Replay(MetadataRecordSerde.Read(value), offset++);
        }
        Publish(delta.Apply(), delta.HasChanges);
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
        if (node.CreateSnapshot(_lastApplied, MetadataSnapshot.Write(Image, timestamp)))
        {
            _bytesSinceSnapshot = 0;
            SnapshotsWritten++;
        }
    }

    private void Publish(MetadataImage image, bool changed)
    {
        // Publishers first, then the image: whoever sees the new offset (a waiter checking it) must also find the
        // change published (the topic served), or an acknowledged create could be followed by "unknown topic".
        if (changed)
        {
            foreach (var publisher in _publishers)
                publisher.Publish(image);
        }
        Volatile.Write(ref _image, image);
        SignalChanged();
        List<TaskCompletionSource> done;
        lock (_lock)
        {
            done = [.. _waiters.Where(w => w.Offset <= image.Offset).Select(w => w.Done)];
            _waiters.RemoveAll(w => w.Offset <= image.Offset);
        }
        foreach (var waiter in done)
            waiter.TrySetResult();
    }
}
