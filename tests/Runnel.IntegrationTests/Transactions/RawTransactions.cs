using System.Text;
using Confluent.Kafka;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Xunit;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>What the raw-frame transaction tests share: producer ids, hand-built batches, and a bounded read_committed read.</summary>
internal static class RawTransactions
{
    /// <summary>A fresh producer id from InitProducerId without a transactional id (epoch 0).</summary>
    public static async Task<long> ProducerIdAsync(RawKafkaConnection connection)
    {
        var reply = await connection.RequestAsync<InitProducerIdResponse>(ApiKey.InitProducerId, 4, new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000 });
        Assert.Equal(0, reply.ErrorCode);
        return reply.ProducerId;
    }

    /// <summary>A transactional batch of <paramref name="producerId"/>; its records carry <paramref name="timestamp"/> (now when null).</summary>
    public static byte[] TxnBatch(long producerId, short epoch, int sequence, long? timestamp, params string[] values)
        => Build(new RecordBatchSettings { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = sequence, IsTransactional = true }, timestamp, values);

    public static byte[] IdempotentBatch(long producerId, short epoch, int sequence, params string[] values)
        => Build(new RecordBatchSettings { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = sequence }, null, values);

    public static byte[] PlainBatch(params string[] values) => Build(new RecordBatchSettings(), null, values);

    private static byte[] Build(RecordBatchSettings settings, long? timestamp, string[] values)
    {
        using var writer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, settings);
        var at = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var value in values)
            builder.Append(at, RecordBytes.Null, Encoding.UTF8.GetBytes(value));
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    public static IConsumer<Ignore, string> ReadCommittedConsumer(string bootstrap, string groupId) => new ConsumerBuilder<Ignore, string>(new ConsumerConfig
    {
        BootstrapServers = bootstrap,
        GroupId = groupId,
        EnableAutoCommit = false,
        IsolationLevel = IsolationLevel.ReadCommitted,
    }).Build();

    /// <summary>Consumes until <paramref name="last"/> matches a value, for at most <paramref name="wait"/>; every value seen.</summary>
    public static List<string> ConsumeUntil(IConsumer<Ignore, string> consumer, Func<string, bool> last, TimeSpan wait)
    {
        var values = new List<string>();
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline && (values.Count == 0 || !last(values[^1])))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } message })
                values.Add(message.Value);
        }
        return values;
    }
}
