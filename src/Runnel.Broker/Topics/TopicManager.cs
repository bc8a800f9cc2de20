using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Partitions;
using Runnel.Broker.Quorum;
using Runnel.Broker.Replication;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Storage;

namespace Runnel.Broker.Topics;

/// <summary>The outcome of a topic operation, in Kafka's terms.</summary>
internal readonly record struct TopicResult(ErrorCode Error, string? Message = null)
{
    public static readonly TopicResult Ok = new(ErrorCode.None);

    public bool Succeeded => Error == ErrorCode.None;
}

/// <summary>
/// The topics this node serves, as the metadata log says: each committed image is published here (on the quorum's
/// thread) and turned into partition logs opened, grown, reconfigured or deleted. Changes asked for by admin
/// requests go to the controller as records and are acknowledged only once committed and published, so a topic
/// the broker acknowledged survives a crash (it is in the log) and is already served when the reply leaves.
/// Lookups are lock-free.
/// </summary>
internal sealed partial class TopicManager
{
    private readonly object _changes = new();
    private readonly ConcurrentDictionary<string, TopicState> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, TopicState> _byId = new();
    private readonly BrokerConfig _config;
    private readonly LogManager _logs;
    private readonly MetadataQuorum _quorum;
    private readonly ReplicaManager _replicas;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Metrics.BrokerMetrics? _metrics;
    private IReadOnlyDictionary<string, string> _dynamicBrokerConfigs;
    private int _warnedMessageFormatVersion;

    /// <summary>
    /// Opens (recovering as needed) the partition logs of the topics in <paramref name="image"/>. acks=all waits for
    /// an fsync when runnel.acks.all.fsync is true (group commit), else Kafka's page-cache model applies.
    /// </summary>
    public TopicManager(BrokerConfig config, ILoggerFactory loggerFactory, MetadataQuorum quorum, ReplicaManager replicas, TimeProvider time, MetadataImage image,
        Metrics.BrokerMetrics? metrics = null)
    {
        _metrics = metrics;
        _config = config;
        Schema = new ConfigSchema(config);
        _quorum = quorum;
        _replicas = replicas;
        _time = time;
        _logger = loggerFactory.CreateLogger("Runnel.Topics");
        _dynamicBrokerConfigs = image.Configs.For(ConfigResource.ClusterDefault);
        var storageLogger = loggerFactory.CreateLogger("Runnel.Storage");
        _logs = LogManager.Open(new LogManagerOptions
        {
            LogDirs = config.LogDirs,
            DefaultConfig = EffectiveLogConfig(new Dictionary<string, string>()),
            TopicConfig = name => EffectiveLogConfig(image.Configs.For(ConfigResource.Topic(name))),
            Durability = config.GetBool("runnel.acks.all.fsync") ? DurabilityMode.GroupCommit : DurabilityMode.PageCache,
            Log = (level, message) => storageLogger.Log(level switch
            {
                StorageLogLevel.Error => LogLevel.Error,
                StorageLogLevel.Warning => LogLevel.Warning,
                _ => LogLevel.Information,
            }, "{Message}", message),
        });
        Publish(image);
        foreach (var stray in _logs.Logs.Where(l => Find(l.TopicPartition.Topic)?.Partition(l.TopicPartition.Partition) is null))
            _logger.LogWarning("Partition directory {Directory} belongs to no partition this node replicates; it is left as it is", stray.Directory);
    }

    public IEnumerable<TopicState> All => _byName.Values;

    public LogManager Logs => _logs;

    public TopicState? Find(string? name) => name is not null && _byName.TryGetValue(name, out var topic) ? topic : null;

    public TopicState? Find(Guid id) => _byId.TryGetValue(id, out var topic) ? topic : null;

    /// <summary>The topic once this node's image holds it (published here), or null after <paramref name="timeout"/>.</summary>
    public async Task<TopicState?> WaitForTopicAsync(string name, TimeSpan timeout)
    {
        await _quorum.Loader.WaitUntilAsync(image => image.Topics.Find(name) is not null, timeout, _time).ConfigureAwait(false);
        return Find(name);
    }

    /// <summary>The partition if this node hosts it (is one of its replicas).</summary>
    public Partition? FindPartition(string topic, int partition) => Find(topic)?.Partition(partition);

    /// <summary>This node's replicas: fetchers, ISR expiration.</summary>
    public ReplicaManager Replicas => _replicas;

    /// <summary>Broker defaults (static, then changed at runtime) overridden by the topic's own configs.</summary>
    public TopicSettings Resolve(IReadOnlyDictionary<string, string> overrides) => TopicSettings.Resolve(TopicDefaults(), overrides);

    /// <summary>Broker configs changed at runtime (IncrementalAlterConfigs on the broker resource).</summary>
    public IReadOnlyDictionary<string, string> DynamicBrokerConfigs => Volatile.Read(ref _dynamicBrokerConfigs);

    /// <summary>The config definitions config changes are validated with, here and on the controller.</summary>
    public ConfigSchema Schema { get; }

    /// <summary>Each topic config's broker-level default: server.properties, then runtime changes to its synonym.</summary>
    private Dictionary<string, string> TopicDefaults() => Schema.TopicDefaults(DynamicBrokerConfigs);

    private LogConfig EffectiveLogConfig(IReadOnlyDictionary<string, string> overrides) => Resolve(overrides).Log;

    private Partition OpenPartition(TopicState topic, int partition)
    {
        var tp = new TopicPartition(topic.Name, partition);
        var hosted = new Partition(tp, topic.Id, _logs.GetOrCreateLog(tp, topic.LogConfig), _config.NodeId, _time, _replicas.Settings) { Metrics = _metrics };
        _replicas.Attach(hosted);
        return hosted;
    }
}
