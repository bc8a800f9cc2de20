using Runnel.Cli.Parsing;
using Runnel.Client.Admin;

namespace Runnel.Cli.Commands;

/// <summary>
/// kafka-topics' partition filters for describe (<c>--under-replicated-partitions</c>, <c>--unavailable-partitions</c>,
/// <c>--under-min-isr-partitions</c>, <c>--at-min-isr-partitions</c>), with Kafka's rules; several given keep a
/// partition that matches any of them.
/// </summary>
internal sealed class PartitionFilters
{
    public static readonly OptionSpec UnderReplicated = OptionSpec.Flag("under-replicated-partitions",
        "describe: only partitions with fewer in-sync replicas than replicas");

    public static readonly OptionSpec Unavailable = OptionSpec.Flag("unavailable-partitions", "describe: only partitions without a leader");

    public static readonly OptionSpec UnderMinIsr = OptionSpec.Flag("under-min-isr-partitions",
        "describe: only partitions whose ISR is below min.insync.replicas, or without a leader");

    public static readonly OptionSpec AtMinIsr = OptionSpec.Flag("at-min-isr-partitions", "describe: only partitions whose ISR is exactly min.insync.replicas");

    public static IReadOnlyList<OptionSpec> Options { get; } = [UnderReplicated, Unavailable, UnderMinIsr, AtMinIsr];

    private readonly bool _underReplicated;
    private readonly bool _unavailable;
    private readonly bool _underMinIsr;
    private readonly bool _atMinIsr;

    private PartitionFilters(ParsedArguments args)
    {
        _underReplicated = args.Has(UnderReplicated.Name);
        _unavailable = args.Has(Unavailable.Name);
        _underMinIsr = args.Has(UnderMinIsr.Name);
        _atMinIsr = args.Has(AtMinIsr.Name);
    }

    /// <summary>The filters given, or null when none is (every partition is shown).</summary>
    public static PartitionFilters? From(ParsedArguments args)
        => Options.Any(o => args.Has(o.Name)) ? new PartitionFilters(args) : null;

    /// <summary>Whether matching needs the topic's min.insync.replicas.</summary>
    public bool NeedsMinIsr => _underMinIsr || _atMinIsr;

    public bool Matches(PartitionDescription partition, PartitionReassignment? reassignment, int minIsr)
        => (_underReplicated && partition.Isr.Count < ReplicationFactor(partition, reassignment))
           || (_unavailable && !partition.HasLeader)
           || (_underMinIsr && (!partition.HasLeader || partition.Isr.Count < minIsr))
           || (_atMinIsr && partition.Isr.Count == minIsr);

    /// <summary>
    /// Kafka's TopicCommand.getReplicationFactor: while a move is in progress the replicas being added do not count
    /// (a move that completed after it was listed is ignored).
    /// </summary>
    public static int ReplicationFactor(PartitionDescription partition, PartitionReassignment? reassignment)
    {
        if (reassignment is null)
            return partition.Replicas.Count;
        var moving = partition.Replicas.Any(r => reassignment.AddingReplicas.Contains(r) || reassignment.RemovingReplicas.Contains(r));
        return moving ? reassignment.Replicas.Count(r => !reassignment.AddingReplicas.Contains(r)) : partition.Replicas.Count;
    }
}
