using Runnel.IntegrationTests.BadInput;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Durability;

/// <summary>
/// A full disk: produce gets KAFKA_STORAGE_ERROR, the broker stays up, every acknowledged record stays readable,
/// and appends resume once space is freed. The data directory is a small tmpfs the test mounts (root only; skipped
/// otherwise) and unmounts.
/// </summary>
public sealed class FullDiskTests
{
    [RootFact]
    public async Task Full_disk_refuses_appends_keeps_what_was_acknowledged_and_recovers_when_space_returns()
    {
        var mount = Path.Combine(Path.GetTempPath(), "runnel-full-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(mount);
        await Run("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", mount);
        try
        {
            var data = Path.Combine(mount, "data");
            var ballast = Path.Combine(mount, "ballast");
            await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string>
            {
                ["log.dirs"] = data,
                ["offsets.topic.num.partitions"] = "1",
                ["log.segment.bytes"] = "1048576",
            });
            await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
            // Take most of the space, then write until the disk refuses.
            await File.WriteAllBytesAsync(ballast, new byte[3 << 20]);
            var acknowledged = 0L;
            ProduceResponse.PartitionProduceResponse reply;
            var attempts = 0;
            do
            {
                reply = await BadBatchTests.ProduceAsync(connection, "filling", BadBatchTests.Batch(CompressionType.None, 200));
                if (reply.ErrorCode == 0)
                    acknowledged = reply.BaseOffset + 200;
            }
            while (reply.ErrorCode == 0 && ++attempts < 500);
            Assert.Equal((short)ErrorCode.KafkaStorageError, reply.ErrorCode);
            Assert.True(acknowledged > 0);

            // Still up, and everything acknowledged is there.
            var consumed = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", "filling", "-C", "-e", "-o", "beginning", "-f", "%o\\n"]);
            Assert.Equal(acknowledged, consumed.Lines.Length);

            // Space comes back: appends resume at the next offset.
            File.Delete(ballast);
            var resumed = await BadBatchTests.ProduceAsync(connection, "filling", BadBatchTests.Batch(CompressionType.None, 10));
            Assert.Equal((0, acknowledged), (resumed.ErrorCode, resumed.BaseOffset));
        }
        finally
        {
            await Run("umount", "-l", mount);
            Directory.Delete(mount);
        }
    }

    private static async Task Run(string file, params string[] args)
    {
        var result = await ExternalProcess.RunAsync(file, args, timeout: TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
    }
}

/// <summary>A fact that needs root (to mount a file system); skipped for other users.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            Skip = "needs root to mount a small tmpfs";
    }
}
