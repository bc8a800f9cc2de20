using Runnel.Storage.Producers;

namespace Runnel.Broker.Partitions;

/// <summary>The producers of this replica, for DescribeProducers.</summary>
internal sealed partial class Partition
{
    /// <summary>
    /// Every producer this replica's producer state knows (leader or follower, as Kafka answers from any replica's
    /// log), by producer id, with its open transaction's first offset here (-1 when none).
    /// </summary>
    public IReadOnlyList<ActiveProducer> ActiveProducers() => Log.ActiveProducers();
}
