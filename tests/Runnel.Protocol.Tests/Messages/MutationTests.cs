using Runnel.Protocol.Primitives;
using Xunit.Abstractions;

namespace Runnel.Protocol.Tests.Messages;

/// <summary>
/// A seeded mutation test over every decoder: real client frames and generated frames of every API and version,
/// bit-flipped, overwritten with huge lengths, truncated and extended. Each input must decode or end in a typed
/// failure (<see cref="KafkaReader.Failure"/>) — never an exception — and allocation stays proportional to the
/// input, however large the lengths and counts it declares.
/// </summary>
public sealed class MutationTests(ITestOutputHelper output)
{
    private const int Inputs = 10_000;

    // An object decoder allocates an object per element, so a frame of many one-byte elements costs a constant
    // factor of its size; what must never happen is allocation driven by a declared length or count.
    private const int AllocationFactor = 96;
    private const int AllocationSlack = 16 * 1024;

    private sealed record Sample(ApiDescriptor Api, short Version, bool IsRequest, byte[] Body);

    [Fact]
    public void Mutated_inputs_decode_or_fail_cleanly_with_bounded_allocation()
    {
        const int seed = 20261121;
        var random = new Random(seed);
        var samples = Samples();
        var failures = 0;
        var worstRatio = 0.0;
        for (var i = 0; i < Inputs; i++)
        {
            var sample = samples[random.Next(samples.Count)];
            var input = Mutate(sample.Body, random);
            var create = sample.IsRequest ? (Func<IKafkaMessage>)sample.Api.CreateRequest : sample.Api.CreateResponse;
            long allocated;
            bool failed;
            try
            {
                (failed, allocated) = Decode(create, input, sample.Version);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed} input {i}: {sample.Api.Name} v{sample.Version} threw {e.GetType().Name}: {e.Message}\n{Convert.ToHexString(input)}");
                return;
            }
            failures += failed ? 1 : 0;
            worstRatio = Math.Max(worstRatio, allocated / (double)Math.Max(input.Length, 1));
            Assert.True(allocated <= (long)input.Length * AllocationFactor + AllocationSlack,
                $"seed {seed} input {i}: {sample.Api.Name} v{sample.Version} allocated {allocated} bytes for {input.Length} input bytes");
        }
        output.WriteLine($"{Inputs} inputs, {failures} typed failures, worst allocation {worstRatio:F1} bytes per input byte");
        // Most mutations must be caught; if none were, the mutator or the checks are broken.
        Assert.InRange(failures, Inputs / 4, Inputs);
    }

    private static (bool Failed, long Allocated) Decode(Func<IKafkaMessage> create, byte[] input, short version)
    {
        var message = create();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var reader = new KafkaReader(input);
        message.Read(ref reader, version);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (reader.Failed, allocated);
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    // A huge or negative length/count where one may be read.
                    byte[][] lengths = [[0x7F, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFE], [0x80, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0x7F, 0xFF]];
                    var pattern = lengths[random.Next(lengths.Length)];
                    for (var k = 0; k < pattern.Length && at + k < bytes.Count; k++)
                        bytes[at + k] = pattern[k];
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4:
                    var extra = new byte[1 + random.Next(8)];
                    random.NextBytes(extra);
                    bytes.InsertRange(at, extra);
                    break;
                default:
                    if (bytes.Count > 0)
                        bytes.RemoveAt(at);
                    break;
            }
        }
        return [.. bytes];
    }

    private static List<Sample> Samples()
    {
        var samples = new List<Sample>();
        foreach (var capture in CaptureFixtures.All)
        {
            var api = ApiCatalog.Find(capture.ApiKey)!;
            var frame = capture.Bytes;
            var reader = new KafkaReader(frame);
            if (capture.IsRequest)
                Framing.ReadRequestHeader(ref reader, frame);
            else
                new Protocol.Messages.ResponseHeader().Read(ref reader, api.ResponseHeaderVersion(capture.ApiVersion));
            samples.Add(new Sample(api, capture.ApiVersion, capture.IsRequest, frame[reader.Position..]));
        }
        foreach (var api in ApiCatalog.All)
        {
            for (var version = api.LowestVersion; version <= api.HighestVersion; version++)
            {
                samples.Add(new Sample(api, version, true, Encode(new MessageFiller(version).Fill(api.CreateRequest()), version)));
                samples.Add(new Sample(api, version, false, Encode(new MessageFiller(version).Fill(api.CreateResponse()), version)));
            }
        }
        return samples;
    }

    private static byte[] Encode(IKafkaMessage message, short version)
    {
        using var writer = new KafkaWriter();
        message.Write(writer, version);
        return writer.WrittenSpan.ToArray();
    }
}
