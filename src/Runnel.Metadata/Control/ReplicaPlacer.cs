using Runnel.Metadata.Image;
using Runnel.Protocol;

namespace Runnel.Metadata.Control;

/// <summary>
/// Where new replicas go (after Kafka's StripedReplicaPlacer): over the registered brokers that are not shutting
/// down, unfenced ones first; the first replica of each partition (its preferred leader) on an unfenced broker;
/// partitions start one broker further along each, so leaders spread; with racks, each partition's replicas go to as
/// many racks as they can (a list that alternates racks, walked skipping racks already used).
/// </summary>
public static class ReplicaPlacer
{
    /// <summary>
    /// Replicas for partitions <paramref name="firstPartition"/> onwards, or the error Kafka gives:
    /// INVALID_REPLICATION_FACTOR when the factor is not positive, every usable broker is fenced, or there are fewer
    /// usable brokers than the factor.
    /// </summary>
    public static (List<IReadOnlyList<int>>? Replicas, ApiError Error) Place(ClusterImage cluster, int firstPartition, int count, int replicationFactor)
    {
        if (replicationFactor <= 0)
            return (null, Invalid(replicationFactor, $"Invalid replication factor {replicationFactor}: the replication factor must be positive."));
        var usable = cluster.Brokers.Values.Where(b => !b.InControlledShutdown).ToList();
        if (replicationFactor > usable.Count)
            return (null, Invalid(replicationFactor, $"The target replication factor of {replicationFactor} cannot be reached because only {usable.Count} broker(s) are registered."));
        if (usable.All(b => b.Fenced))
            return (null, Invalid(replicationFactor, "All brokers are currently fenced."));
        var unfenced = Alternate(usable.Where(b => !b.Fenced));
        var order = unfenced.Concat(Alternate(usable.Where(b => b.Fenced))).ToList();
        var placements = new List<IReadOnlyList<int>>(count);
        for (var p = firstPartition; p < firstPartition + count; p++)
        {
            var first = unfenced[p % unfenced.Count];
            var replicas = new List<BrokerRegistration> { first };
            var start = order.IndexOf(first);
            // Replicas after the first: the next brokers in the rack-alternating order, shifted per partition so
            // followers spread too, preferring racks not yet used.
            var shift = p / unfenced.Count % Math.Max(1, order.Count - 1);
            for (var i = 1; i < order.Count && replicas.Count < replicationFactor; i++)
            {
                var candidate = order[(start + 1 + ((i - 1 + shift) % (order.Count - 1))) % order.Count];
                if (!replicas.Contains(candidate) && replicas.All(r => r.Rack != candidate.Rack))
                    replicas.Add(candidate);
            }
            for (var i = 1; i < order.Count && replicas.Count < replicationFactor; i++)
            {
                var candidate = order[(start + i) % order.Count];
                if (!replicas.Contains(candidate))
                    replicas.Add(candidate);
            }
            placements.Add([.. replicas.Select(r => r.Id)]);
        }
        return (placements, ApiError.None);
    }

    /// <summary>Brokers by id within each rack, racks by name, interleaved: one of each rack in turn.</summary>
    private static List<BrokerRegistration> Alternate(IEnumerable<BrokerRegistration> brokers)
    {
        var racks = brokers.GroupBy(b => b.Rack ?? "", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.OrderBy(b => b.Id).ToList()).ToList();
        var result = new List<BrokerRegistration>();
        for (var i = 0; racks.Any(r => i < r.Count); i++)
        {
            foreach (var rack in racks)
            {
                if (i < rack.Count)
                    result.Add(rack[i]);
            }
        }
        return result;
    }

    private static ApiError Invalid(int factor, string reason)
        => new(ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {factor} time(s): {reason}");
}
