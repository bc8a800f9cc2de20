using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Records;

/// <summary>The hot paths allocate nothing once warm: building, validating and reading a batch.</summary>
public sealed class RecordBatchAllocationTests
{
    private static long _sink;

    [Fact]
    public void Building_validating_and_reading_allocate_nothing_when_warm()
    {
        using var writer = new KafkaWriter(1 << 20);
        using var builder = new RecordBatchBuilder();
        var key = new byte[16];
        var value = new byte[100];
        RecordHeader[] headers = [new("trace", new byte[8]), new("empty", (byte[]?)null)];

        Build(writer, builder, key, value, headers);
        Validate(writer.WrittenSpan);
        Read(writer.WrittenSpan);

        // The least over a few rounds: the runtime may allocate once while it re-compiles a method mid-round (tiered
        // compilation on a busy machine), but a per-record allocation would show in every round.
        long building = long.MaxValue, validating = long.MaxValue, reading = long.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Build(writer, builder, key, value, headers);
            var built = GC.GetAllocatedBytesForCurrentThread();
            Validate(writer.WrittenSpan);
            var validated = GC.GetAllocatedBytesForCurrentThread();
            Read(writer.WrittenSpan);
            var read = GC.GetAllocatedBytesForCurrentThread();
            (building, validating, reading) = (Math.Min(building, built - before), Math.Min(validating, validated - built), Math.Min(reading, read - validated));
        }

        Assert.Equal(0, building);
        Assert.Equal(0, validating);
        Assert.Equal(0, reading);
    }

    private static void Build(KafkaWriter writer, RecordBatchBuilder builder, byte[] key, byte[] value, RecordHeader[] headers)
    {
        writer.Reset();
        builder.Begin(writer, new RecordBatchSettings { ProducerId = 1, ProducerEpoch = 0, BaseSequence = 0 });
        for (var i = 0; i < 1000; i++)
            builder.Append(1_700_000_000_000 + i, key, i % 3 == 0 ? RecordBytes.Null : value, headers);
        builder.Finish();
    }

    private static void Validate(ReadOnlySpan<byte> batch)
        => Assert.True(RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions(), out _).IsValid);

    private static void Read(ReadOnlySpan<byte> batch)
    {
        foreach (var record in RecordBatch.ReadRecords(batch))
        {
            _sink += record.Offset + record.Key.Length + record.Value.Length;
            foreach (var header in record.Headers)
                _sink += header.Key.Length + header.Value.Length;
        }
    }
}
