using System.Globalization;
using Confluent.Kafka;
using Runnel.ClusterTests.Rig;

namespace Runnel.ClusterTests.Workload;

/// <summary>What librdkafka says (its log and error callbacks), in one file beside the node logs, on the scenario's clock.</summary>
public sealed class ClientLog(string path, FaultLog clock) : IDisposable
{
    private readonly StreamWriter _file = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    private bool _closed;

    public void Log(string client, LogMessage message) => Write($"{client} {message.Level} {message.Facility}: {message.Message}");

    public void Error(string client, Error error) => Write($"{client} ERROR {error.Code}{(error.IsFatal ? " (fatal)" : "")}: {error.Reason}");

    public void Write(string line)
    {
        lock (_file)
        {
            if (!_closed)
                _file.WriteLine(string.Create(CultureInfo.InvariantCulture, $"+{clock.Elapsed.TotalSeconds:F3} {line}"));
        }
    }

    public void Dispose()
    {
        lock (_file)
        {
            _closed = true;
            _file.Dispose();
        }
    }
}
