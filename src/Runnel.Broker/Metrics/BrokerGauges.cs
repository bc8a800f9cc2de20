using System.Diagnostics.Metrics;
using Runnel.Broker.Groups;
using Runnel.Broker.Groups.Lag;

namespace Runnel.Broker.Metrics;

/// <summary>
/// The broker's observable gauges: state read when an exporter collects (a scrape), so nothing is kept up to date on
/// the request paths. Kafka's MBean each one stands for is in its description.
/// </summary>
internal static class BrokerGauges
{
    public static void Register(Meter meter, BrokerServices services, ConsumerLagMonitor lag, Func<IEnumerable<string>> connectionListeners)
    {
        var topics = services.Topics;
        var quorum = services.Quorum;
        IEnumerable<Partitions.Partition> Hosted() => topics.All.SelectMany(t => t.Hosted);

        meter.CreateObservableGauge("kafka.server.replicamanager.partitioncount", () => Hosted().Count(),
            description: "Partitions this node hosts a replica of (kafka.server:type=ReplicaManager,name=PartitionCount)");
        meter.CreateObservableGauge("kafka.server.replicamanager.leadercount", () => Hosted().Count(p => p.IsLeader),
            description: "Partitions this node leads (ReplicaManager LeaderCount)");
        meter.CreateObservableGauge("kafka.server.replicamanager.underreplicatedpartitions",
            () => Hosted().Count(p => p.IsLeader && p.Assignment.Isr.Length < p.Assignment.Replicas.Length),
            description: "Partitions led here whose ISR is smaller than their replica set (ReplicaManager UnderReplicatedPartitions)");
        meter.CreateObservableGauge("kafka.controller.kafkacontroller.offlinepartitionscount",
            () => quorum.Loader.IsActiveController ? quorum.Loader.Image.Topics.ById.Values.Sum(t => t.Partitions.Values.Count(p => p.Leader < 0)) : 0,
            description: "Partitions without a leader; reported by the active controller only, 0 elsewhere (KafkaController OfflinePartitionsCount)");
        meter.CreateObservableGauge("kafka.controller.kafkacontroller.activecontrollercount", () => quorum.Loader.IsActiveController ? 1 : 0,
            description: "1 on the active controller, else 0 (KafkaController ActiveControllerCount)");

        meter.CreateObservableGauge("kafka.log.log.size", () => Hosted().Select(p => new Measurement<long>(p.Log.Size, PartitionTags(p))),
            unit: "By", description: "Bytes of a partition's log on disk (kafka.log:type=Log,name=Size)");
        meter.CreateObservableGauge("kafka.log.log.logendoffset", () => Hosted().Select(p => new Measurement<long>(p.LogEndOffset, PartitionTags(p))),
            description: "A partition's log end offset (Log LogEndOffset)");
        meter.CreateObservableGauge("kafka.log.log.logstartoffset", () => Hosted().Select(p => new Measurement<long>(p.LogStartOffset, PartitionTags(p))),
            description: "A partition's log start offset (Log LogStartOffset)");

        var raft = new RaftSampler(quorum);
        meter.CreateObservableGauge("kafka.server.raftmetrics.currentepoch", () => raft.Sample() is { } d ? [new Measurement<long>(d.Epoch)] : Array.Empty<Measurement<long>>(),
            description: "The metadata quorum's epoch as this node knows it (raft-metrics current-epoch)");
        meter.CreateObservableGauge("kafka.server.raftmetrics.highwatermark", () => raft.Sample() is { } d ? [new Measurement<long>(d.HighWatermark)] : Array.Empty<Measurement<long>>(),
            description: "The metadata quorum's high watermark as this node knows it (raft-metrics high-watermark)");
        meter.CreateObservableGauge("kafka.server.raftmetrics.appliedlag",
            () => raft.Sample() is { } d ? [new Measurement<long>(Math.Max(0, d.HighWatermark - (quorum.Loader.Image.Offset + 1)))] : Array.Empty<Measurement<long>>(),
            description: "Committed metadata records (below the high watermark) this node's metadata image does not include yet");

        meter.CreateObservableGauge("kafka.coordinator.group.groupmetadatamanager.numgroups", () => GroupCounts(services.Groups.Snapshot()),
            description: "Consumer groups this node coordinates, per state (GroupMetadataManager NumGroups<State>)");
        meter.CreateObservableGauge("kafka.server.socketservermetrics.connectioncount",
            () => connectionListeners().GroupBy(l => l, StringComparer.Ordinal).Select(g => new Measurement<int>(g.Count(), new KeyValuePair<string, object?>("listener", g.Key))),
            description: "Open client connections per listener (socket-server-metrics connection-count)");

        var lagSampler = new LagSampler(services, lag);
        meter.CreateObservableGauge("kafka.consumergroup.lag",
            () => lagSampler.Sample().Partitions.Select(p => new Measurement<long>(p.Lag, GroupPartitionTags(p))),
            description: "Records a group has yet to consume: high watermark - committed offset");
        meter.CreateObservableGauge("kafka.consumergroup.lag_seconds",
            () => lagSampler.Sample().Partitions.Select(p => new Measurement<double>(p.LagSeconds, GroupPartitionTags(p))),
            description: "Age in seconds of the next record a group will consume (its batch's timestamp); 0 when caught up");
        meter.CreateObservableGauge("kafka.consumergroup.status",
            () => lagSampler.Sample().Groups.Select(g => new Measurement<int>((int)g.Value, new KeyValuePair<string, object?>("group", g.Key))),
            description: "Burrow-style group status: 0 OK, 1 WARN, 2 STALL, 3 STOP, 4 ERROR");
    }

    private static KeyValuePair<string, object?>[] PartitionTags(Partitions.Partition partition)
        => [new("topic", partition.TopicPartition.Topic), new("partition", partition.TopicPartition.Partition)];

    private static KeyValuePair<string, object?>[] GroupPartitionTags(PartitionLag lag)
        => [new("group", lag.Group), new("topic", lag.Topic), new("partition", lag.Partition)];

    private static IEnumerable<Measurement<int>> GroupCounts(IReadOnlyList<GroupSnapshot> groups)
        => Enum.GetValues<GroupState>().Where(s => s != GroupState.Dead)
            .Select(s => new Measurement<int>(groups.Count(g => g.State == s), new KeyValuePair<string, object?>("state", s.Name())));

    /// <summary>One DescribeQuorum-style reading of the quorum per collection, shared by its three gauges.</summary>
    private sealed class RaftSampler(Quorum.MetadataQuorum quorum)
    {
        private Raft.QuorumDescription? _last;
        private long _takenAt = long.MinValue;

        public Raft.QuorumDescription? Sample()
        {
            var now = quorum.Time.GetTimestamp();
            lock (this)
            {
                if (_takenAt != long.MinValue && quorum.Time.GetElapsedTime(_takenAt, now) < TimeSpan.FromMilliseconds(100))
                    return _last;
                var reading = quorum.Driver.InvokeAsync(node => node.Describe());
                _last = reading.Wait(TimeSpan.FromSeconds(1)) ? reading.Result : null;
                _takenAt = now;
                return _last;
            }
        }
    }

    /// <summary>One lag measurement per collection (the three lag gauges are read one after the other), kept 100 ms.</summary>
    private sealed class LagSampler(BrokerServices services, ConsumerLagMonitor lag)
    {
        private (List<PartitionLag> Partitions, Dictionary<string, ConsumerLagStatus> Groups) _last = ([], []);
        private long _takenAt = long.MinValue;

        public (List<PartitionLag> Partitions, Dictionary<string, ConsumerLagStatus> Groups) Sample()
        {
            var now = services.Time.GetTimestamp();
            lock (this)
            {
                if (_takenAt != long.MinValue && services.Time.GetElapsedTime(_takenAt, now) < TimeSpan.FromMilliseconds(100))
                    return _last;
                _last = lag.Measure(services.Groups.Snapshot());
                _takenAt = now;
                return _last;
            }
        }
    }
}
