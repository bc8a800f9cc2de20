namespace Runnel.Client.Producer;

/// <summary>
/// Where records without a key go: all to one partition per topic until its batch is sent, then to the next
/// partition in turn (KIP-480's sticky partitioner). Batches fill faster than with per-record round robin, and
/// over time every partition gets its share. The first partition per topic is random so that many producers
/// starting together do not all pick partition 0.
/// </summary>
internal sealed class StickyPartitions
{
    private readonly Dictionary<string, int> _current = new(StringComparer.Ordinal);
    private readonly Random _random;

    public StickyPartitions(Random? random = null)
    {
        _random = random ?? Random.Shared;
    }

    /// <summary>The partition for the next unkeyed record of <paramref name="topic"/>.</summary>
    public int Next(string topic, int partitionCount)
    {
        if (!_current.TryGetValue(topic, out var partition) || partition >= partitionCount)
            _current[topic] = partition = _random.Next(partitionCount);
        return partition;
    }

    /// <summary>A batch of <paramref name="partition"/> was closed: unkeyed records move on to the next partition.</summary>
    public void BatchClosed(string topic, int partition, int partitionCount)
    {
        if (_current.TryGetValue(topic, out var current) && current == partition)
            _current[topic] = (partition + 1) % partitionCount;
    }
}
