using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Durability;

/// <summary>A compacted topic keeps the latest record per key once its segments roll, read back with kcat.</summary>
public sealed class CompactionTests
{
    [Fact]
    public async Task Compacted_topic_keeps_the_latest_value_of_every_key()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["log.cleaner.backoff.ms"] = "50" });
        var create = await ExternalProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "runnel.dll"), "topic", "create", "--bootstrap-server", broker.Bootstrap,
            "--topic", "latest", "--partitions", "1", "--config", "cleanup.policy=compact", "--config", "segment.bytes=2048", "--config", "min.cleanable.dirty.ratio=0.01"]);
        Assert.True(create.ExitCode == 0, ExternalProcess.Describe(create));
        var lines = string.Concat(Enumerable.Range(0, 2000).Select(i => $"key{i % 20}:value{i}\n"));
        var produce = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", "latest", "-P", "-K:", "-X", "batch.num.messages=10"], lines);
        Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));

        // Small batches, so the 2 KiB segments roll and all but the newest become cleanable.
        // Compaction runs in the background; wait (bounded) until only the newest segment's keys can repeat.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<string[]> rows;
        do
        {
            var consumed = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", "latest", "-C", "-e", "-o", "beginning", "-f", "%o %k %s\\n"]);
            Assert.True(consumed.ExitCode == 0 && consumed.Lines.Length > 0, ExternalProcess.Describe(consumed));
            rows = consumed.Lines.Select(l => l.Split(' ')).ToList();
        }
        while (rows.Count > 200 && DateTime.UtcNow < deadline);

        Assert.True(rows.Count <= 200, $"{rows.Count} records left after compaction");
        // Every key's last value survives, offsets stay as they were, and no key goes back to an older value.
        foreach (var key in Enumerable.Range(0, 20))
            Assert.True(rows.LastOrDefault(r => r[1] == $"key{key}")?[2] == $"value{1980 + key}", $"key{key}: {string.Join(" | ", rows.Select(r => string.Join(' ', r)))}");
        Assert.Equal(rows.Select(r => long.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture)).Order(), rows.Select(r => long.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture)));
    }
}
