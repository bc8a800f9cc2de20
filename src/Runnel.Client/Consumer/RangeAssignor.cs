namespace Runnel.Client.Consumer;

/// <summary>
/// Kafka's "range" assignor, which librdkafka and kafka-python also offer, so a Runnel consumer can lead a group
/// of theirs: per topic, its subscribers sorted by member id take consecutive ranges, the first ones one more
/// partition when the count does not divide evenly.
/// </summary>
internal static class RangeAssignor
{
    public const string Name = "range";

    public static Dictionary<string, List<TopicPartition>> Assign(
        IReadOnlyDictionary<string, IReadOnlyList<string>> subscriptions, IReadOnlyDictionary<string, int> partitionCounts)
    {
        var assignment = subscriptions.Keys.ToDictionary(m => m, _ => new List<TopicPartition>(), StringComparer.Ordinal);
        foreach (var (topic, count) in partitionCounts.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var members = subscriptions.Where(s => s.Value.Contains(topic)).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
            if (members.Count == 0)
                continue;
            var each = count / members.Count;
            var extra = count % members.Count;
            for (var i = 0; i < members.Count; i++)
            {
                var start = (each * i) + Math.Min(i, extra);
                var length = each + (i < extra ? 1 : 0);
                assignment[members[i]].AddRange(Enumerable.Range(start, length).Select(p => new TopicPartition(topic, p)));
            }
        }
        return assignment;
    }
}
