using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
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
/// Owns the topics this node serves: creation, deletion, partitions and configs, each stored before it is
/// acknowledged. Changes are serialised by one lock (they are rare); lookups are lock-free.
/// </summary>
internal sealed partial class TopicManager
{
    private readonly object _changes = new();
    private readonly ConcurrentDictionary<string, TopicState> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, TopicState> _byId = new();
    private readonly BrokerConfig _config;
    private readonly LogManager _logs;
    private readonly TopicMetadataStore _store;
    private readonly ILogger _logger;
    private Dictionary<string, string> _dynamicBrokerConfigs;

    /// <summary>
    /// Loads the stored topics and opens (recovering as needed) their logs. acks=all waits for an fsync when
    /// runnel.acks.all.fsync is true (group commit), else Kafka's page-cache model applies.
    /// </summary>
    public TopicManager(BrokerConfig config, ILoggerFactory loggerFactory)
    {
        _config = config;
        _logger = loggerFactory.CreateLogger("Runnel.Topics");
        _store = new TopicMetadataStore(config.LogDirs[0]);
        var stored = _store.Load();
        var records = stored.Topics;
        _dynamicBrokerConfigs = stored.BrokerConfigs;
        var storageLogger = loggerFactory.CreateLogger("Runnel.Storage");
        _logs = LogManager.Open(new LogManagerOptions
        {
            LogDirs = config.LogDirs,
            DefaultConfig = EffectiveLogConfig(new Dictionary<string, string>()),
            TopicConfig = name => EffectiveLogConfig(records.FirstOrDefault(r => r.Name == name)?.Configs ?? []),
            Durability = config.GetBool("runnel.acks.all.fsync") ? DurabilityMode.GroupCommit : DurabilityMode.PageCache,
            Log = (level, message) => storageLogger.Log(level switch
            {
                StorageLogLevel.Error => LogLevel.Error,
                StorageLogLevel.Warning => LogLevel.Warning,
                _ => LogLevel.Information,
            }, "{Message}", message),
        });
        foreach (var record in records)
        {
            var topic = new TopicState(record.Name, record.Id, record.Configs, Resolve(record.Configs));
            topic.SetPartitions([.. Enumerable.Range(0, record.Partitions).Select(p => OpenPartition(topic, p))]);
            Register(topic);
        }
        foreach (var stray in _logs.Logs.Where(l => Find(l.TopicPartition.Topic)?.Partition(l.TopicPartition.Partition) is null))
            _logger.LogWarning("Partition directory {Directory} belongs to no known topic; it is left as it is", stray.Directory);
    }

    public IEnumerable<TopicState> All => _byName.Values;

    public LogManager Logs => _logs;

    public TopicState? Find(string? name) => name is not null && _byName.TryGetValue(name, out var topic) ? topic : null;

    public TopicState? Find(Guid id) => _byId.TryGetValue(id, out var topic) ? topic : null;

    public PartitionState? FindPartition(string topic, int partition) => Find(topic)?.Partition(partition);

    /// <summary>Broker defaults (static, then changed at runtime) overridden by the topic's own configs.</summary>
    public TopicSettings Resolve(IReadOnlyDictionary<string, string> overrides) => TopicSettings.Resolve(TopicDefaults(), overrides);

    /// <summary>Broker configs changed at runtime (IncrementalAlterConfigs on the broker resource).</summary>
    public IReadOnlyDictionary<string, string> DynamicBrokerConfigs => _dynamicBrokerConfigs;

    /// <summary>Each topic config's broker-level default: server.properties, then runtime changes to its synonym.</summary>
    private Dictionary<string, string> TopicDefaults()
    {
        var defaults = new Dictionary<string, string>(_config.TopicDefaults(), StringComparer.Ordinal);
        foreach (var (definition, synonym) in TopicConfigs.All)
        {
            if (_dynamicBrokerConfigs.TryGetValue(synonym, out var value))
                defaults[definition.Name] = value;
        }
        return defaults;
    }

    private LogConfig EffectiveLogConfig(IReadOnlyDictionary<string, string> overrides) => Resolve(overrides).Log;

    private PartitionState OpenPartition(TopicState topic, int partition)
    {
        var tp = new TopicPartition(topic.Name, partition);
        return new PartitionState(tp, _logs.GetOrCreateLog(tp, topic.LogConfig));
    }

    private void Register(TopicState topic)
    {
        _byName[topic.Name] = topic;
        _byId[topic.Id] = topic;
    }

    /// <summary>
    /// Stores the topic list. A topic being created or grown is stored with its new partition count before its
    /// partition directories exist (<paramref name="partitionCounts"/> overrides the count of opened partitions).
    /// </summary>
    private void Persist(IEnumerable<TopicState> topics, Dictionary<string, string>? brokerConfigs = null,
        Dictionary<string, int>? partitionCounts = null)
        => _store.Save(new ClusterMetadata(
            [.. topics.Select(t => new TopicRecord(t.Name, t.Id, partitionCounts is not null && partitionCounts.TryGetValue(t.Name, out var count) ? count : t.Partitions.Count,
                new Dictionary<string, string>(t.Configs, StringComparer.Ordinal)))],
            brokerConfigs ?? _dynamicBrokerConfigs));
}
