using Runnel.Broker.Configuration;

namespace Runnel.Broker.Transactions;

/// <summary>The broker configs the transaction coordinator runs by (Kafka's TransactionConfig).</summary>
internal sealed record TransactionCoordinatorConfig(int MaxTimeoutMs, long IdExpirationMs, TimeSpan AbortTimedOutInterval, TimeSpan RemoveExpiredInterval)
{
    public static TransactionCoordinatorConfig From(BrokerConfig config) => new(
        config.GetInt("transaction.max.timeout.ms"),
        config.GetInt("transactional.id.expiration.ms"),
        TimeSpan.FromMilliseconds(config.GetInt("transaction.abort.timed.out.transaction.cleanup.interval.ms")),
        TimeSpan.FromMilliseconds(config.GetInt("transaction.remove.expired.transaction.cleanup.interval.ms")));
}
