namespace Runnel.Broker.Configuration;

/// <summary>
/// The broker keys that can change at runtime (as the cluster-wide broker resource), from Kafka's
/// DynamicBrokerConfig.AllDynamicConfigs for the keys Runnel defines: the topic defaults (DynamicLogConfig: the first
/// broker synonym of each topic config, e.g. log.retention.ms but not log.retention.hours, nor log.message.format.version,
/// which Kafka never let change at runtime), LogCleaner's
/// message.max.bytes, log.cleaner.backoff.ms and log.cleaner.threads, and the thread pools of DynamicThreadPool.
/// Kafka's listener configs are per-broker only; Runnel cannot rebind listeners, so it refuses them.
/// </summary>
public static class DynamicBrokerConfig
{
    /// <summary>Thread counts (Kafka's DynamicThreadPool and log.cleaner.threads): accepted and stored; Runnel's async I/O has no such pools.</summary>
    public static IReadOnlySet<string> ThreadCounts { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "num.io.threads", "num.replica.fetchers", "num.recovery.threads.per.data.dir", "log.cleaner.threads",
    };

    /// <summary>Kafka's DynamicListenerConfig keys Runnel has: Kafka takes them only per broker.</summary>
    public static IReadOnlySet<string> PerBroker { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "listeners", "advertised.listeners", "listener.security.protocol.map",
    };

    private static readonly HashSet<string> All = new(
        TopicConfigs.All.Select(t => t.BrokerSynonym).Where(k => k != "log.message.format.version").Concat(["message.max.bytes", "log.cleaner.backoff.ms"]).Concat(ThreadCounts), StringComparer.Ordinal);

    /// <summary>True when <paramref name="key"/> may be set on the cluster-wide broker resource.</summary>
    public static bool IsDynamic(string key) => All.Contains(key);

    /// <summary>
    /// Kafka's thread-count rule (DynamicThreadPool, LogCleaner): a new count is at least 1 and within half and double
    /// of <paramref name="current"/>; null when <paramref name="value"/> satisfies it, else Kafka's message.
    /// </summary>
    public static string? ThreadCountProblem(string key, int value, int current)
    {
        var failed = $"Dynamic thread count update validation failed for {key}={value}";
        if (value == current)
            return null;
        if (value <= 0)
            return $"{failed}, value should be at least 1";
        if (value < current / 2)
            return $"{failed}, value should be at least half the current value {current}";
        return value > (long)current * 2 ? $"{failed}, value should not be greater than double the current value {current}" : null;
    }
}
