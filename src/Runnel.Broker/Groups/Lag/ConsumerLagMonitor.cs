using Runnel.Broker.Topics;

namespace Runnel.Broker.Groups.Lag;

/// <summary>One partition's consumer lag as the broker sees it: records and seconds behind, and its status.</summary>
internal readonly record struct PartitionLag(string Group, string Topic, int Partition, long Lag, double LagSeconds, ConsumerLagStatus Status);

/// <summary>
/// The broker's consumer lag: every accepted OffsetCommit goes into a <see cref="ConsumerLagEvaluator"/> window with the
/// lag it left; <see cref="Measure"/> gives, per group and committed partition hosted on this node, the lag in records
/// (high watermark − committed offset), in seconds (now − the timestamp of the batch holding the next record to
/// consume; 0 when caught up) and the status. Partitions this node does not replicate are left out (their high
/// watermark is not known here).
/// </summary>
internal sealed class ConsumerLagMonitor(TopicManager topics, TimeProvider time)
{
    public ConsumerLagEvaluator Evaluator { get; } = new(time);

    /// <summary>Feeds a commit to the evaluator; wired to <see cref="GroupCoordinator.OffsetCommitted"/>.</summary>
    public void OnCommitted(string group, string topic, int partition, long offset)
    {
        if (topics.FindPartition(topic, partition) is { } hosted)
            Evaluator.RecordCommit(group, topic, partition, offset, hosted.HighWatermark);
    }

    /// <summary>The lag of every committed partition of <paramref name="groups"/>, and each group's status.</summary>
    public (List<PartitionLag> Partitions, Dictionary<string, ConsumerLagStatus> Groups) Measure(IReadOnlyList<GroupSnapshot> groups)
    {
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var partitions = new List<PartitionLag>();
        var statuses = new Dictionary<string, ConsumerLagStatus>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var worst = ConsumerLagStatus.Ok;
            foreach (var (topic, index, offset) in group.Offsets)
            {
                if (offset < 0 || topics.FindPartition(topic, index) is not { } hosted)
                    continue;
                var lag = Math.Max(0, hosted.HighWatermark - offset);
                var seconds = lag == 0 ? 0 : hosted.BatchTimestampAt(offset) is { } timestamp ? Math.Max(0, nowMs - timestamp) / 1000.0 : 0;
                var status = Evaluator.Evaluate(group.GroupId, topic, index, lag);
                worst = status > worst ? status : worst;
                partitions.Add(new PartitionLag(group.GroupId, topic, index, lag, seconds, status));
            }
            statuses[group.GroupId] = worst;
        }
        Evaluator.Retain(statuses.ContainsKey);
        return (partitions, statuses);
    }
}
