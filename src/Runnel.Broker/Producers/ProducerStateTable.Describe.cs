namespace Runnel.Broker.Producers;

/// <summary>
/// One producer's entry as the table holds it: its epoch, the last sequence of its newest batch in that epoch (-1 when it
/// has none, as after an epoch bump), that batch's first offset (-1 when none) and the coordinator epoch of its last
/// marker (-1 before any).
/// </summary>
internal readonly record struct ProducerEntryView(long ProducerId, short Epoch, int LastSequence, long LastBatchOffset, int CoordinatorEpoch);

/// <summary>Reading the table for DescribeProducers (Kafka's ProducerStateManager.activeProducers); nothing here changes it.</summary>
internal sealed partial class ProducerStateTable
{
    /// <summary>Every producer the table knows, by producer id.</summary>
    public IReadOnlyList<ProducerEntryView> Entries()
        => [.. _producers.OrderBy(p => p.Key).Select(p => new ProducerEntryView(p.Key, p.Value.Epoch,
            p.Value.Recent.Count == 0 ? -1 : p.Value.Recent[^1].LastSequence,
            p.Value.Recent.Count == 0 ? -1 : p.Value.Recent[^1].FirstOffset,
            p.Value.CoordinatorEpoch))];
}
