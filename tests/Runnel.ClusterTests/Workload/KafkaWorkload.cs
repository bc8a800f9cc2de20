using Runnel.ClusterTests.Rig;

namespace Runnel.ClusterTests.Workload;

/// <summary>
/// The clients of a scenario: producers and consumers from the test process, recording into one history. Start it,
/// inject faults while waiting for progress (<see cref="WaitForProgressAsync"/>), stop it, then read everything.
/// </summary>
public sealed class KafkaWorkload : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopProducers = new();
    private readonly CancellationTokenSource _stopConsumers = new();
    private readonly List<ProducerLoop> _producers;
    private readonly List<Task> _producing = [];
    private readonly List<Task> _consuming = [];
    private readonly ClientLog _log;

    private KafkaWorkload(WorkloadOptions options, FaultLog clock, ClientLog log)
    {
        Options = options;
        History = new HistoryRecorder(clock);
        _log = log;
        _producers = [.. Enumerable.Range(0, options.Producers).Select(i => new ProducerLoop(i, options, History, log))];
    }

    public WorkloadOptions Options { get; }

    public HistoryRecorder History { get; }

    /// <summary>Producers replaced after a fatal error, across all producers.</summary>
    public int ProducerReplacements => _producers.Sum(p => p.Replacements);

    /// <summary>Creates the topic, then starts the consumers and the producers. librdkafka's log goes to <paramref name="clientLogFile"/>.</summary>
    public static async Task<KafkaWorkload> StartAsync(WorkloadOptions options, FaultLog clock, string clientLogFile)
    {
        KafkaNative.EnsureLoaded();
        var log = new ClientLog(clientLogFile, clock);
        var workload = new KafkaWorkload(options, clock, log);
        try
        {
            await TopicSetup.CreateAsync(options, log, TimeSpan.FromSeconds(60));
            clock.Note($"topic {options.Topic} ready; clients start");
            for (var i = 0; i < options.Consumers; i++)
                workload._consuming.Add(new ConsumerLoop(i, options, workload.History, log).RunAsync(workload._stopConsumers.Token));
            foreach (var producer in workload._producers)
                workload._producing.Add(producer.RunAsync(workload._stopProducers.Token));
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
        return workload;
    }

    /// <summary>Waits until <paramref name="more"/> writes beyond those acknowledged so far are acknowledged: the cluster makes progress.</summary>
    public Task WaitForProgressAsync(int more, TimeSpan timeout) => History.WaitForAcknowledgedAsync(History.Acknowledged + more, timeout);

    /// <summary>Stops the producers and waits for every pending send's outcome (bounded by the delivery timeout).</summary>
    public async Task StopProducersAsync()
    {
        await _stopProducers.CancelAsync();
        await Task.WhenAll(_producing);
    }

    /// <summary>Stops the consumers that ran during the faults.</summary>
    public async Task StopConsumersAsync()
    {
        await _stopConsumers.CancelAsync();
        await Task.WhenAll(_consuming);
    }

    /// <summary>Reads every partition up to its high watermark with a fresh consumer.</summary>
    public Task<(Dictionary<int, IReadOnlyList<LogEntry>> Entries, Dictionary<int, long> HighWatermarks)> ReadEverythingAsync(TimeSpan timeout)
        => FinalRead.RunAsync(Options, _log, timeout);

    public async ValueTask DisposeAsync()
    {
        // Clients go before the rig: none may retry an address after its host is gone.
        await StopProducersAsync();
        await StopConsumersAsync();
        foreach (var producer in _producers)
            producer.Dispose();
        _stopProducers.Dispose();
        _stopConsumers.Dispose();
        _log.Dispose();
    }
}
