namespace Runnel.Broker;

/// <summary>
/// An exclusive lock on each data directory for the broker's lifetime (Kafka's <c>.lock</c>): a second broker on
/// the same directory would interleave appends and corrupt the logs, so it is refused at start-up instead.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = ".lock";

    private readonly List<FileStream> _locks;

    private DataDirectoryLock(List<FileStream> locks) => _locks = locks;

    /// <exception cref="Configuration.ConfigException">A directory is already in use by another process.</exception>
    public static DataDirectoryLock Acquire(IReadOnlyList<string> directories)
    {
        var locks = new List<FileStream>();
        try
        {
            foreach (var directory in directories)
            {
                Directory.CreateDirectory(directory);
                var path = Path.Combine(directory, FileName);
                try
                {
                    // FileShare.None takes an exclusive advisory lock (flock) on Unix, released when the process dies.
                    locks.Add(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException e)
                {
                    throw new Configuration.ConfigException("log.dirs", $"{directory} is in use by another broker process ({e.Message})");
                }
            }
            return new DataDirectoryLock(locks);
        }
        catch
        {
            foreach (var held in locks)
                held.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var held in _locks)
            held.Dispose();
    }
}
