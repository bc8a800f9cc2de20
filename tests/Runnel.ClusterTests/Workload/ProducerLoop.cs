using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

namespace Runnel.ClusterTests.Workload;

/// <summary>
/// One producer writing unique values ("p{index}-{seq}") round-robin to explicit partitions, acks=all, at a capped
/// rate with a bounded number pending. Every send is recorded once, when librdkafka reports it: Ok with its offset,
/// Failed when librdkafka says it was not persisted, Indeterminate otherwise, or when still pending at the end. A
/// fatal error (the idempotent producer gives up on a sequence) replaces the producer, as an application would.
/// </summary>
internal sealed class ProducerLoop(int index, WorkloadOptions options, HistoryRecorder history, ClientLog log) : IDisposable
{
    private readonly ConcurrentDictionary<string, Pending> _pending = new();
    private readonly SemaphoreSlim _slots = new(options.MaxPending, options.MaxPending);
    private volatile bool _fatal;
    private int _generation;

    private static readonly TimeSpan CatchUpWindow = TimeSpan.FromMilliseconds(50);

    private sealed record Pending(int Partition, double InvokedMs, int Generation);

    private string Name => "producer-" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Producers replaced after a fatal error.</summary>
    public int Replacements { get; private set; }

    public Task RunAsync(CancellationToken stop) => Task.Run(() => LoopAsync(stop), CancellationToken.None);

    private async Task LoopAsync(CancellationToken stop)
    {
        var producer = Build();
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1.0 / options.RecordsPerSecond);
        var due = TimeSpan.Zero;
        try
        {
            for (long seq = 0; !stop.IsCancellationRequested; seq++)
            {
                if (_fatal)
                {
                    producer = Replace(producer);
                    continue;
                }
                try
                {
                    // Pacing, not synchronisation: the rate cap keeps the clients from starving the nodes of CPU.
                    if (due > clock.Elapsed)
                        await Task.Delay(due - clock.Elapsed, stop);
                    await _slots.WaitAsync(stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                // Lateness is made up only within a short window, so no burst follows a stall or an outage.
                due = Max(due, clock.Elapsed - CatchUpWindow) + interval;
                Send(producer, $"p{index.ToString(CultureInfo.InvariantCulture)}-{seq.ToString(CultureInfo.InvariantCulture)}", (int)(seq % options.Partitions));
            }
        }
        finally
        {
            await Task.Run(() => Drain(producer), CancellationToken.None);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void Send(IProducer<Null, string> producer, string value, int partition)
    {
        _pending[value] = new Pending(partition, history.NowMs, _generation);
        try
        {
            producer.Produce(new TopicPartition(options.Topic, partition), new Message<Null, string> { Value = value }, report => Complete(value, report));
        }
        catch (ProduceException<Null, string> e)
        {
            Finish(value, e.DeliveryResult.Status == PersistenceStatus.NotPersisted ? WriteStatus.Failed : WriteStatus.Indeterminate, -1, e.Error.ToString());
            _fatal |= e.Error.IsFatal;
        }
        catch (KafkaException e)
        {
            Finish(value, WriteStatus.Failed, -1, e.Error.ToString());
            _fatal |= e.Error.IsFatal;
        }
    }

    private void Complete(string value, DeliveryReport<Null, string> report)
    {
        if (!report.Error.IsError)
        {
            Finish(value, WriteStatus.Ok, report.Offset.Value, null);
            return;
        }
        Finish(value, report.Status == PersistenceStatus.NotPersisted ? WriteStatus.Failed : WriteStatus.Indeterminate, -1, report.Error.ToString());
        _fatal |= report.Error.IsFatal;
    }

    private void Finish(string value, WriteStatus status, long offset, string? error)
    {
        if (!_pending.TryRemove(value, out var pending))
            return;
        history.Write(new WriteOp(value, pending.Partition, status, offset, error, pending.InvokedMs, history.NowMs));
        _slots.Release();
    }

    private IProducer<Null, string> Replace(IProducer<Null, string> old)
    {
        log.Write($"{Name}: replacing the producer after a fatal error");
        var generation = _generation++;
        old.Dispose();
        foreach (var (value, pending) in _pending.Where(p => p.Value.Generation == generation).ToList())
            Finish(value, WriteStatus.Indeterminate, -1, "pending when the producer was replaced after a fatal error");
        _fatal = false;
        Replacements++;
        return Build();
    }

    /// <summary>Waits (bounded) for every pending send's report; what is still pending then is Indeterminate.</summary>
    private void Drain(IProducer<Null, string> producer)
    {
        producer.Flush(options.DeliveryTimeout + TimeSpan.FromSeconds(5));
        producer.Dispose();
        foreach (var value in _pending.Keys.ToList())
            Finish(value, WriteStatus.Indeterminate, -1, "still pending when the workload stopped");
    }

    private IProducer<Null, string> Build()
    {
        var config = new ProducerConfig
        {
            BootstrapServers = options.Bootstrap,
            ClientId = Name,
            Acks = Acks.All,
            EnableIdempotence = options.Idempotence,
            MaxInFlight = 5,
            LingerMs = 5,
            MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds,
            RequestTimeoutMs = 5000,
            RetryBackoffMs = 100,
            RetryBackoffMaxMs = 1000,
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 1000,
            SocketConnectionSetupTimeoutMs = 3000,
            TopicMetadataRefreshIntervalMs = 2000,
            BrokerAddressFamily = BrokerAddressFamily.V4,
        };
        return new ProducerBuilder<Null, string>(config)
            .SetLogHandler((_, m) => log.Log(Name, m))
            .SetErrorHandler((_, e) =>
            {
                log.Error(Name, e);
                _fatal |= e.IsFatal;
            })
            .Build();
    }

    public void Dispose() => _slots.Dispose();
}
