using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage;

// Usage: CrashWriter <log dir> <appenders>. Each appender appends small batches to its own partition of topic
// "crash" in group-commit mode and prints "<partition> <last offset>" once the covering fsync completed. The parent
// test kills this process with SIGKILL and checks that every printed offset survived.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: CrashWriter <log dir> <appenders>");
    return 2;
}
var appenders = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
using var manager = LogManager.Open(new LogManagerOptions
{
    LogDirs = [args[0]],
    DefaultConfig = LogConfig.Default with { SegmentBytes = 64 * 1024, IndexIntervalBytes = 512 },
    Durability = DurabilityMode.GroupCommit,
});
var output = TextWriter.Synchronized(Console.Out);
var tasks = Enumerable.Range(0, appenders).Select(p => Task.Run(async () =>
{
    var log = manager.GetOrCreateLog(new TopicPartition("crash", p));
    var template = Batch(100);
    while (true)
    {
        var batch = (byte[])template.Clone();
        var info = log.Append(batch);
        await log.WaitForDurableAsync(info.LastOffset + 1).ConfigureAwait(false);
        output.WriteLine($"{p} {info.LastOffset}");
        output.Flush();
    }
})).ToArray();
await Task.WhenAll(tasks).ConfigureAwait(false);
return 0;

// A valid uncompressed batch of one record with a value of the given size.
static byte[] Batch(int valueBytes)
{
    using var writer = new KafkaWriter();
    using var builder = new RecordBatchBuilder();
    builder.Begin(writer, new RecordBatchSettings());
    builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RecordBytes.Null, new byte[valueBytes]);
    builder.Finish();
    return writer.WrittenSpan.ToArray();
}
