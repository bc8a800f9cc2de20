namespace Runnel.Storage;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Closes the log cleanly: fsyncs every byte and every index (the active segment's too, so the next start can
    /// trust them), writes a producer state snapshot at the log end (fsynced, as Kafka's close, so the next start
    /// replays nothing) and closes the files once in-flight reads finish. The owner then writes the clean-shutdown marker.
    /// Returns false when the log could not be flushed (it was offline, or the fsync failed): no marker then.
    /// </summary>
    public bool Close()
    {
        lock (_flushLock)
        {
            var clean = !_offline;
            if (clean)
            {
                try
                {
                    Flush();
                    ActiveSegment.Flush(withIndexes: true);
                    lock (_lock)
                        TakeProducerSnapshotLocked(sync: true);
                    _env.FileSystem.SyncDirectory(Directory);
                }
                catch (Exception e) when (e is IOException or StorageException)
                {
                    _env.Log(StorageLogLevel.Error, $"{TopicPartition}: flush at close failed: {e.Message}");
                    clean = false;
                }
            }
            lock (_lock)
            {
                _offlineReason ??= "closed";
                _offline = true;
                foreach (var segment in _segments)
                {
                    try
                    {
                        segment.Close();
                    }
                    catch (IOException e)
                    {
                        _env.Log(StorageLogLevel.Warning, $"{TopicPartition}: closing {segment} failed: {e.Message}");
                        clean = false;
                    }
                }
            }
            return clean;
        }
    }

    /// <summary>Closes the log and removes its directory (topic deletion).</summary>
    internal void CloseAndDelete()
    {
        Close();
        var parent = System.IO.Path.GetDirectoryName(Directory);
        _env.FileSystem.DeleteDirectory(Directory);
        if (parent is not null)
            _env.FileSystem.SyncDirectory(parent);
    }

    public void Dispose() => Close();
}
