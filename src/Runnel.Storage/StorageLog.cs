namespace Runnel.Storage;

public enum StorageLogLevel
{
    Information,
    Warning,
    Error,
}

/// <summary>
/// Where storage reports what it did to the disk (recovery cuts, deleted segments, failures). A delegate rather than
/// ILogger keeps this project free of package dependencies; the broker adapts it to its logger in one line.
/// </summary>
public delegate void StorageLog(StorageLogLevel level, string message);

/// <summary>What a partition log needs from its surroundings; one instance shared by all logs of a LogManager.</summary>
internal sealed record LogEnvironment(IO.IFileSystem FileSystem, TimeProvider Time, StorageLog Log, GroupCommitter? Committer)
{
    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();
}

/// <summary>What the log dir's checkpoints say about a partition when it is opened.</summary>
internal readonly record struct LogLoadState(bool CleanShutdown, long RecoveryPoint, long LogStartOffset, long HighWatermark = 0);
