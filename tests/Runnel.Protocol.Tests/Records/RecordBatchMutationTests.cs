using System.Buffers.Binary;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Protocol.Tests.Compression;
using Xunit.Abstractions;

namespace Runnel.Protocol.Tests.Records;

/// <summary>
/// Seeded mutations of valid batches (bit flips, byte writes, truncation, garbage, length rewrites, shifted bytes),
/// most with the CRC fixed afterwards so they reach the structure checks: the validator and the enumerator must
/// never throw and never allocate more than the input's size. Batches claiming a codec are exempt from the
/// allocation bound (the codecs' own buffers and exceptions), not from the no-throw rule.
/// </summary>
public sealed class RecordBatchMutationTests(ITestOutputHelper output)
{
    private const int Seed = 20251121;
    private const int Iterations = 5000;
    private static long _sink;

    [Fact]
    public void Mutated_batches_never_throw_and_never_allocate_more_than_their_size()
    {
        var corpus = Corpus();
        using var scratch = new KafkaWriter(1 << 16);
        foreach (var input in corpus)
            Assert.Equal(RecordBatchError.None, Exercise(input, scratch)); // also warms up JIT and pools

        var random = new Random(Seed);
        var inputs = Enumerable.Range(0, Iterations).Select(_ => Mutate(corpus[random.Next(corpus.Count)], random)).ToList();
        // A first pass reaches every code path once (first-use costs such as static initialisers and type loads land
        // on whichever iteration gets there first); the bound is checked on the second.
        foreach (var input in inputs)
        {
            try
            {
                Exercise(input, scratch);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {Seed}, input {Convert.ToHexString(input)}: {e}");
            }
        }
        var outcomes = new Dictionary<RecordBatchError, int>();
        for (var i = 0; i < Iterations; i++)
        {
            var input = inputs[i];
            RecordBatchError error;
            long allocated;
            try
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                error = Exercise(input, scratch);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {Seed}, iteration {i}, input {Convert.ToHexString(input)}: {e}");
                throw;
            }
            if (!ClaimsCompression(input))
                Assert.True(allocated <= input.Length, $"iteration {i}: {allocated} bytes allocated for {input.Length} bytes of input");
            outcomes[error] = outcomes.GetValueOrDefault(error) + 1;
        }

        output.WriteLine(Describe(outcomes));
        // The mutations get past the CRC and the framing into the record walk, and some survive as valid.
        Assert.True(outcomes.GetValueOrDefault(RecordBatchError.InvalidRecord) > 100, Describe(outcomes));
        Assert.True(outcomes.GetValueOrDefault(RecordBatchError.CrcMismatch) > 100, Describe(outcomes));
        Assert.True(outcomes.GetValueOrDefault(RecordBatchError.None) > 10, Describe(outcomes));
        Assert.True(outcomes.Count >= 8, Describe(outcomes));
    }

    /// <summary>Runs every entry point over the input and returns the verdict for a log (several batches allowed).</summary>
    private static RecordBatchError Exercise(byte[] input, KafkaWriter scratch)
    {
        RecordBatchValidator.Validate(input, new RecordBatchValidationOptions(), out _, scratch);
        var log = RecordBatchValidator.Validate(input, new RecordBatchValidationOptions { FromClient = false, SingleBatch = false }, out _, scratch);
        RecordBatchValidator.ValidateBatch(input, new RecordBatchValidationOptions { FromClient = false }, out _, scratch);
        var records = RecordBatch.ReadRecords(input, scratch, RecordBatchValidationOptions.DefaultMaxUncompressedBytes);
        long sum = 0;
        foreach (var record in records)
        {
            sum += record.Offset + record.Timestamp + record.Key.Length + record.Value.Length;
            foreach (var header in record.Headers)
                sum += header.Key.Length + header.Value.Length;
        }
        _sink += sum; // keeps the reads from being optimised away without boxing
        // What the walk refuses, the full validation of that batch must refuse too.
        Assert.True(records.Error == RecordBatchError.None || !log.IsValid, "the enumerator found a problem the validator missed");
        return log.Error;
    }

    private static List<byte[]> Corpus()
    {
        using var writer = new KafkaWriter();
        ControlRecord.WriteEndTransactionMarker(writer, commit: true, coordinatorEpoch: 3, producerId: 8, producerEpoch: 1, timestamp: 99);
        var marker = writer.WrittenSpan.ToArray();
        var kafkaPython = CaptureProduceBatches.Read(CaptureProduceBatches.Requests("kafka-python-none").First())[0].ToArray();
        var kcat = CaptureProduceBatches.Read(CaptureProduceBatches.Requests("kcat-group").Single(r => r.File.Contains("-005-", StringComparison.Ordinal)))[0].ToArray();
        return
        [
            TestBatches.Simple(1),
            TestBatches.Simple(20),
            TestBatches.Build([new(1, null, null, []), new(2, [], [], [("a", null), ("", [])]), TestRecord.Of(3, "k", "v", ("h1", "x"), ("h2", null))]),
            TestBatches.Build(Enumerable.Range(0, 200).Select(i => TestRecord.Of(i * 3, i % 5 == 0 ? null : $"key{i}", new string('v', i % 50)))),
            TestBatches.Simple(2).Concat(TestBatches.Simple(3)).ToArray(),
            marker,
            kafkaPython,
            kcat,
            TestBatches.Simple(30, compression: CompressionType.Gzip),
            TestBatches.Simple(30, compression: CompressionType.Snappy),
            TestBatches.Simple(30, compression: CompressionType.Lz4),
            TestBatches.Simple(30, compression: CompressionType.Zstd),
        ];
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = original.ToList();
        for (var m = random.Next(1, 4); m > 0 && bytes.Count > 0; m--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate

                    break;
                case 3:
                    bytes.AddRange(Enumerable.Range(0, random.Next(1, 80)).Select(_ => (byte)random.Next(256)));
                    break;
                case 4:
                    RewriteInt32(bytes, random);
                    break;
                case 5:
                    if (bytes.Count > RecordBatchHeader.Size)
                        bytes[random.Next(RecordBatchHeader.Size, bytes.Count)] = new byte[] { 0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE }[random.Next(6)];
                    break;
                case 6:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                default:
                    bytes.RemoveAt(at);
                    break;
            }
        }
        var result = bytes.ToArray();
        if (random.Next(10) < 7)
            FixCrcs(result);
        return result;
    }

    /// <summary>Overwrites batchLength, lastOffsetDelta or recordCount of one of the batches with an edge value.</summary>
    private static void RewriteInt32(List<byte> bytes, Random random)
    {
        int[] fields = [RecordBatchHeader.BatchLengthOffset, RecordBatchHeader.LastOffsetDeltaOffset, RecordBatchHeader.RecordCountOffset];
        var starts = BatchStarts(bytes.ToArray());
        var at = starts[random.Next(starts.Count)] + fields[random.Next(fields.Length)];
        if (at + 4 > bytes.Count)
            return;
        var old = BinaryPrimitives.ReadInt32BigEndian(bytes.GetRange(at, 4).ToArray());
        int[] values = [-1, 0, 1, int.MaxValue, int.MinValue, old + 1, old - 1, old + random.Next(-100, 100), random.Next()];
        var buffer = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, values[random.Next(values.Length)]);
        for (var i = 0; i < 4; i++)
            bytes[at + i] = buffer[i];
    }

    private static List<int> BatchStarts(byte[] buffer)
    {
        var starts = new List<int> { 0 };
        var position = 0;
        while (RecordBatch.TryGetSize(buffer.AsSpan(position), out var size) && position + size < buffer.Length)
            starts.Add(position += size);
        return starts;
    }

    private static void FixCrcs(byte[] buffer)
    {
        foreach (var start in BatchStarts(buffer))
        {
            if (!RecordBatch.TryGetSize(buffer.AsSpan(start), out var size) || buffer.Length - start <= RecordBatchHeader.AttributesOffset)
                continue;
            TestBatches.FixCrc(buffer.AsSpan(start, Math.Min(size, buffer.Length - start)));
        }
    }

    private static bool ClaimsCompression(byte[] buffer)
        => BatchStarts(buffer).Any(s => s + RecordBatchHeader.AttributesOffset + 1 < buffer.Length && (buffer[s + RecordBatchHeader.AttributesOffset + 1] & 7) != 0);

    private static string Describe(Dictionary<RecordBatchError, int> outcomes)
        => string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key}={o.Value}"));
}
