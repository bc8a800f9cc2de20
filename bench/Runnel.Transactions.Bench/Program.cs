using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Runnel.ClusterTests.Workload;

// Producer throughput with Confluent.Kafka (librdkafka 2.16), for bench/transactions.sh (not a test): for about
// <seconds> (default 5), 100-byte records go to <topic> partition 0 either from an idempotent, non-transactional producer
// (acks=all, flushed every 10,000 records) or from a transactional one committing every <n> records (InitTransactions
// is not measured), with linger.ms <linger> (default 5, librdkafka's). Prints "<mode> <records> <seconds> <records/s>".
// Usage: Runnel.Transactions.Bench <bootstrap> <topic> idempotent|txn:<n> [seconds] [linger]
if (args.Length < 3)
{
    Console.Error.WriteLine("Usage: Runnel.Transactions.Bench <bootstrap> <topic> idempotent|txn:<n> [seconds] [linger]");
    return 2;
}
KafkaNative.EnsureLoaded();
var (bootstrap, topic, mode) = (args[0], args[1], args[2]);
var duration = TimeSpan.FromSeconds(args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 5);
var perTransaction = mode.StartsWith("txn:", StringComparison.Ordinal) ? int.Parse(mode[4..], CultureInfo.InvariantCulture) : 0;
var value = new string('x', 100);
var partition = new TopicPartition(topic, 0);
var failures = 0L;
void Delivered(DeliveryReport<Null, string> report)
{
    if (report.Error.IsError)
        Interlocked.Increment(ref failures);
}

var config = new ProducerConfig
{
    BootstrapServers = bootstrap,
    EnableIdempotence = true,
    Acks = Acks.All,
    LingerMs = args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 5,
    TransactionalId = perTransaction > 0 ? $"bench-{Guid.NewGuid():N}" : null,
};
using var producer = new ProducerBuilder<Null, string>(config).Build();
var timeout = TimeSpan.FromSeconds(30);
if (perTransaction > 0)
    producer.InitTransactions(timeout);
var records = 0L;
var clock = Stopwatch.StartNew();
while (clock.Elapsed < duration)
{
    if (perTransaction > 0)
    {
        producer.BeginTransaction();
        for (var i = 0; i < perTransaction; i++)
            producer.Produce(partition, new Message<Null, string> { Value = value }, Delivered);
        producer.CommitTransaction(timeout);
        records += perTransaction;
    }
    else
    {
        for (var i = 0; i < 10_000; i++)
            producer.Produce(partition, new Message<Null, string> { Value = value }, Delivered);
        producer.Flush(timeout);
        records += 10_000;
    }
}
var seconds = clock.Elapsed.TotalSeconds;
if (failures > 0)
{
    Console.Error.WriteLine($"{failures} records failed");
    return 1;
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mode} {records} {seconds:F3} {records / seconds:F0}"));
return 0;
