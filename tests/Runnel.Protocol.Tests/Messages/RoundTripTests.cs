using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Tests.Messages;

/// <summary>
/// Every request and response of every API, at every version: random content written, read back and written
/// again must give the same bytes, with the reader ending exactly at the end (Kafka's RequestResponseTest idea).
/// </summary>
public sealed class RoundTripTests
{
    public static TheoryData<short> ApiKeys() => [.. ApiCatalog.All.Select(a => (short)a.Key)];

    [Theory]
    [MemberData(nameof(ApiKeys))]
    public void Request_and_response_round_trip_at_every_version(short apiKey)
    {
        var api = ApiCatalog.Find(apiKey)!;
        for (var version = api.LowestVersion; version <= api.HighestVersion; version++)
        {
            for (var seed = 0; seed < 8; seed++)
            {
                AssertRoundTrip(api.CreateRequest, version, seed, $"{api.Name}Request v{version} seed {seed}");
                AssertRoundTrip(api.CreateResponse, version, seed, $"{api.Name}Response v{version} seed {seed}");
            }
        }
    }

    [Fact]
    public void Empty_messages_round_trip_at_every_version()
    {
        foreach (var api in ApiCatalog.All)
        {
            for (var version = api.LowestVersion; version <= api.HighestVersion; version++)
            {
                AssertSameBytesAfterDecode(api.CreateRequest(), api.CreateRequest, version, $"{api.Name}Request v{version}");
                AssertSameBytesAfterDecode(api.CreateResponse(), api.CreateResponse, version, $"{api.Name}Response v{version}");
            }
        }
    }

    private static void AssertRoundTrip(Func<IKafkaMessage> create, short version, int seed, string what)
        => AssertSameBytesAfterDecode(new MessageFiller(seed * 7919 + version).Fill(create()), create, version, what);

    internal static byte[] AssertSameBytesAfterDecode(IKafkaMessage message, Func<IKafkaMessage> create, short version, string what)
    {
        using var first = new KafkaWriter();
        message.Write(first, version);
        var bytes = first.WrittenSpan.ToArray();

        var decoded = create();
        var reader = new KafkaReader(bytes);
        decoded.Read(ref reader, version);
        Assert.False(reader.Failed, $"{what}: {reader.Failure}");
        Assert.True(reader.Remaining == 0, $"{what}: {reader.Remaining} bytes left unread");

        using var second = new KafkaWriter();
        decoded.Write(second, version);
        Assert.True(bytes.AsSpan().SequenceEqual(second.WrittenSpan), $"{what}: bytes differ after a round trip");
        return bytes;
    }
}
