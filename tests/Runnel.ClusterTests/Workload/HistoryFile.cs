using System.Text.Json;

namespace Runnel.ClusterTests.Workload;

/// <summary>A history as JSON lines (one write, read or log entry each), kept with a failed run's node logs.</summary>
public static class HistoryFile
{
    public static async Task SaveAsync(string path, History history)
    {
        await using var file = new StreamWriter(path);
        foreach (var write in history.Writes)
            await file.WriteLineAsync(JsonSerializer.Serialize(new { type = "write", write.Value, write.Partition, status = write.Status.ToString(), write.Offset, write.Error, write.InvokedMs, write.CompletedMs }));
        foreach (var read in history.Reads)
            await file.WriteLineAsync(JsonSerializer.Serialize(new { type = "read", read.Consumer, read.Partition, read.Offset, read.Value, read.AtMs }));
        foreach (var (partition, entries) in history.FinalRead)
        {
            foreach (var entry in entries)
                await file.WriteLineAsync(JsonSerializer.Serialize(new { type = "final", partition, entry.Offset, entry.Value }));
        }
        foreach (var replica in history.Replicas)
        {
            foreach (var (partition, entries) in replica.Partitions)
            {
                foreach (var entry in entries)
                    await file.WriteLineAsync(JsonSerializer.Serialize(new { type = "replica", replica.Replica, partition, entry.Offset, entry.Value }));
            }
        }
    }
}
