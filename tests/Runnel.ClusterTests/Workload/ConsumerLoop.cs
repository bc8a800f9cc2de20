using System.Globalization;
using Confluent.Kafka;

namespace Runnel.ClusterTests.Workload;

/// <summary>
/// A consumer assigned every partition from the beginning (no group, so no rebalances: with assign, offsets must only
/// go up), recording every record it receives while the faults run.
/// </summary>
internal sealed class ConsumerLoop(int index, WorkloadOptions options, HistoryRecorder history, ClientLog log)
{
    private string Name => "consumer-" + index.ToString(CultureInfo.InvariantCulture);

    public Task RunAsync(CancellationToken stop) => Task.Factory.StartNew(() => Loop(stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Loop(CancellationToken stop)
    {
        using var consumer = Build(options, Name, log, partitionEof: false);
        consumer.Assign(Enumerable.Range(0, options.Partitions).Select(p => new TopicPartitionOffset(options.Topic, p, Offset.Beginning)));
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is { IsPartitionEOF: false, Message: not null })
                    history.Read(new ReadOp(Name, result.Partition.Value, result.Offset.Value, result.Message.Value, history.NowMs));
            }
            catch (ConsumeException e)
            {
                log.Error(Name, e.Error);
            }
        }
        consumer.Close();
    }

    /// <summary>A consumer for assign-only reading: no group, nothing committed, from the earliest offset on a reset.</summary>
    public static IConsumer<Ignore, string> Build(WorkloadOptions options, string name, ClientLog log, bool partitionEof)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.Bootstrap,
            ClientId = name,
            GroupId = "runnel-cluster-tests-" + name,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = partitionEof,
            FetchWaitMaxMs = 100,
            SocketConnectionSetupTimeoutMs = 3000,
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 1000,
            TopicMetadataRefreshIntervalMs = 2000,
            BrokerAddressFamily = BrokerAddressFamily.V4,
        };
        return new ConsumerBuilder<Ignore, string>(config)
            .SetLogHandler((_, m) => log.Log(name, m))
            .SetErrorHandler((_, e) => log.Error(name, e))
            .Build();
    }
}
