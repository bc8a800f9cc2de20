using System.Diagnostics.Metrics;
using Runnel.Protocol;
using Runnel.Storage.Metrics;

namespace Runnel.Broker.Metrics;

/// <summary>
/// One broker's System.Diagnostics.Metrics instruments, on a meter of its own (named
/// <c>Runnel.Broker.&lt;n&gt;</c>, n counting the brokers started in this process), so an exporter that listens to one
/// broker's meter sees that broker alone even when tests run several in one process. Names follow Kafka's JMX
/// metrics as the Prometheus JMX exporter spells them (kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec becomes
/// kafka.server.brokertopicmetrics.bytesin; the exporter adds _total to counters and the unit to histograms).
/// Recording allocates nothing: tags are a single key-value pair over a string the caller already holds, or one of the
/// per-API pairs built here once. Counters are added to once per batch or request, never per record.
/// With no listener attached (no HTTP listener) each call is a check of a flag.
/// </summary>
internal sealed class BrokerMetrics : IDisposable
{
    private static int _instances;

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _totalTime;
    private readonly Histogram<double> _queueTime;
    private readonly KeyValuePair<string, object?>[] _requestTags;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _messagesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _isrShrinks;
    private readonly Counter<long> _isrExpands;
    private readonly Counter<long> _rebalances;

    public BrokerMetrics()
    {
        Meter = new Meter($"Runnel.Broker.{Interlocked.Increment(ref _instances)}");
        var latency = new InstrumentAdvice<double> { HistogramBucketBoundaries = StorageMetrics.LatencyBuckets };
        _requests = Meter.CreateCounter<long>("kafka.network.requestmetrics.requests", description: "Requests answered, per API (Kafka's RequestsPerSec)");
        _totalTime = Meter.CreateHistogram("kafka.network.requestmetrics.totaltime", "s",
            "Time from a request's arrival to its reply being written, per API (Kafka's TotalTimeMs)", advice: latency);
        _queueTime = Meter.CreateHistogram("kafka.network.requestmetrics.requestqueuetime", "s",
            "Time a whole request waited for the connection's in-flight byte budget before its handler started (Kafka's RequestQueueTimeMs)",
            advice: latency);
        var keys = Enum.GetValues<ApiKey>();
        _requestTags = new KeyValuePair<string, object?>[keys.Max(k => (int)k) + 1];
        for (var i = 0; i < _requestTags.Length; i++)
            _requestTags[i] = new("request", Enum.IsDefined((ApiKey)i) ? ((ApiKey)i).ToString() : i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _bytesIn = Meter.CreateCounter<long>("kafka.server.brokertopicmetrics.bytesin", description: "Record batch bytes appended by producers, per topic");
        _messagesIn = Meter.CreateCounter<long>("kafka.server.brokertopicmetrics.messagesin", description: "Records appended by producers, per topic");
        _bytesOut = Meter.CreateCounter<long>("kafka.server.brokertopicmetrics.bytesout", description: "Record batch bytes read by consumers, per topic");
        _isrShrinks = Meter.CreateCounter<long>("kafka.server.replicamanager.isrshrinks", description: "ISR shrinks this node made as a leader");
        _isrExpands = Meter.CreateCounter<long>("kafka.server.replicamanager.isrexpands", description: "ISR expansions this node made as a leader");
        _rebalances = Meter.CreateCounter<long>("kafka.coordinator.group.rebalances", description: "Rebalances completed by the group coordinator (a new generation)");
    }

    /// <summary>The meter every instrument of this broker is on.</summary>
    public Meter Meter { get; }

    /// <summary>A reply was written (or, for acks=0, dropped): counted with its time since arrival and its queue time.</summary>
    public void RequestCompleted(short apiKey, TimeSpan queued, TimeSpan total)
    {
        if ((uint)apiKey >= (uint)_requestTags.Length)
            return;
        var tag = _requestTags[apiKey];
        _requests.Add(1, tag);
        _totalTime.Record(total.TotalSeconds, tag);
        _queueTime.Record(queued.TotalSeconds, tag);
    }

    /// <summary>A producer's batch was appended by a leader.</summary>
    public void Appended(string topic, int bytes, int records)
    {
        var tag = new KeyValuePair<string, object?>("topic", topic);
        _bytesIn.Add(bytes, tag);
        _messagesIn.Add(records, tag);
    }

    /// <summary>A consumer's read returned <paramref name="bytes"/> of batches.</summary>
    public void Read(string topic, int bytes)
    {
        if (bytes > 0)
            _bytesOut.Add(bytes, new KeyValuePair<string, object?>("topic", topic));
    }

    /// <summary>A leader's ISR change took effect.</summary>
    public void IsrChanged(int before, int after)
    {
        if (after < before)
            _isrShrinks.Add(1);
        else if (after > before)
            _isrExpands.Add(1);
    }

    /// <summary>A group completed a rebalance (entered a new generation).</summary>
    public void Rebalanced() => _rebalances.Add(1);

    public void Dispose() => Meter.Dispose();
}
