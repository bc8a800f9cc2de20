using Runnel.ClusterTests.Workload;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Table;

// Usage: Runnel.StreamsWordCount <bootstrap> <input topic> <output topic> <application id> <state dir>
// Counts the words of the input's lines into the output (word -> count, one update per word seen) with
// processing.guarantee exactly_once_v2, prints "running" once the stream runs, and stops cleanly when stdin closes.
KafkaNative.EnsureLoaded();
var (bootstrap, input, output, applicationId, stateDir) = (args[0], args[1], args[2], args[3], args[4]);
var config = new StreamConfig<StringSerDes, StringSerDes>
{
    ApplicationId = applicationId,
    BootstrapServers = bootstrap,
    Guarantee = ProcessingGuarantee.EXACTLY_ONCE,
    StateDir = stateDir,
    CommitIntervalMs = 100,
    NumStreamThreads = 1,
    AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
    // A killed instance's member leaves the group after this, so the restarted one is assigned its tasks soon.
    SessionTimeoutMs = 6000,
    HeartbeatIntervalMs = 1000,
    ReplicationFactor = 1,
};
var builder = new StreamBuilder();
builder.Stream<string, string>(input)
    .FlatMapValues<string>((line, _) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    .GroupBy<string, StringSerDes>((_, word, _) => word)
    .Count(InMemory.As<string, long>("word-counts"))
    .ToStream()
    .To<StringSerDes, Int64SerDes>(output);
var stream = new KafkaStream(builder.Build(), config);
var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
stream.StateChanged += (_, state) =>
{
    if (state == KafkaStream.State.RUNNING)
        running.TrySetResult();
};
await stream.StartAsync();
await running.Task;
Console.WriteLine("running");
await Console.In.ReadToEndAsync();
stream.Dispose();
Console.WriteLine("stopped");
