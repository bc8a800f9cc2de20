using System.Globalization;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Partitions;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;

namespace Runnel.Broker.Topics;

/// <summary>Turning committed images into served topics and hosted partitions.</summary>
internal sealed partial class TopicManager : IMetadataPublisher
{
    /// <summary>
    /// Makes the served topics match <paramref name="image"/>: removed topics lose their logs; every partition whose
    /// replicas include this node (on a node with the broker role) is hosted, its log opened, and the controller's
    /// leader, epochs and ISR applied to it, which makes it lead or follow; a partition this node no longer replicates
    /// is stopped and its log deleted; changed configs (the topic's or the broker defaults) apply at once. Idempotent,
    /// so the image a subscription starts with may repeat what the constructor already did.
    /// </summary>
    public void Publish(MetadataImage image)
    {
        lock (_changes)
        {
            var brokerConfigs = image.Configs.For(ConfigResource.ClusterDefault);
            var defaultsChanged = !SameConfigs(brokerConfigs, DynamicBrokerConfigs);
            Volatile.Write(ref _dynamicBrokerConfigs, brokerConfigs);
            foreach (var gone in _byId.Values.Where(t => image.Topics.Find(t.Id) is null).ToList())
                Remove(gone);
            foreach (var topic in image.Topics.ByName.Values)
            {
                var configs = image.Configs.For(ConfigResource.Topic(topic.Name));
                if (!_byId.TryGetValue(topic.Id, out var state))
                {
                    state = new TopicState(topic.Name, topic.Id, configs, Resolve(configs));
                    _byName[state.Name] = state;
                    _byId[state.Id] = state;
                    _logger.LogInformation("Serving topic {Topic} ({Id}) with {Partitions} partitions", topic.Name, topic.Id, topic.PartitionCount);
                }
                else if (defaultsChanged || !SameConfigs(configs, state.Configs))
                {
                    state.Configs = configs;
                    state.Settings = Resolve(configs);
                    foreach (var partition in state.Hosted)
                        partition.Log.Config = state.Settings.Log;
                }
                ApplyPartitions(state, topic);
            }
        }
    }

    /// <summary>Hosts, updates or stops each partition of <paramref name="topic"/> as its replica set says.</summary>
    private void ApplyPartitions(TopicState state, TopicImage topic)
    {
        var previousCount = state.PartitionCount;
        var partitions = new Partition?[topic.PartitionCount];
        for (var i = 0; i < partitions.Length; i++)
            partitions[i] = state.Partition(i);
        var minIsr = MinInsyncReplicas(state);
        foreach (var placed in topic.Partitions.Values)
        {
            var hosted = partitions[placed.Id];
            if (_config.IsBroker && placed.Replicas.Contains(_config.NodeId))
            {
                hosted ??= OpenPartition(state, placed.Id);
                hosted.MinInsyncReplicas = minIsr;
                partitions[placed.Id] = hosted;
                // Published before the transition acts, so a fetcher or a fetch finds the partition.
                state.SetPartitions([.. partitions]);
                var transition = hosted.Apply(PartitionAssignment.From(placed));
                if (transition != PartitionTransition.None)
                    _replicas.OnTransition(hosted, transition);
            }
            else if (hosted is not null)
            {
                partitions[placed.Id] = null;
                state.SetPartitions([.. partitions]);
                StopHosting(hosted, $"this node is no longer one of its replicas ({string.Join(',', placed.Replicas)})");
            }
        }
        state.SetPartitions(partitions);
        if (previousCount > 0 && partitions.Length > previousCount)
            _logger.LogInformation("Topic {Topic} grew from {Old} to {New} partitions", topic.Name, previousCount, partitions.Length);
    }

    private static int MinInsyncReplicas(TopicState topic)
        => topic.Settings.Get(TopicConfigs.MinInsyncReplicas) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : 1;

    private void Remove(TopicState topic)
    {
        _byName.TryRemove(topic.Name, out _);
        _byId.TryRemove(topic.Id, out _);
        foreach (var partition in topic.Hosted)
            StopHosting(partition, "the topic was deleted");
        _logger.LogInformation("Deleted topic {Topic}", topic.Name);
    }

    private void StopHosting(Partition partition, string reason)
    {
        partition.Stop();
        _replicas.OnStopped(partition);
        _logs.DeleteLog(partition.TopicPartition);
        _logger.LogInformation("Stopped hosting {Partition}: {Reason}", partition.TopicPartition, reason);
    }

    private static bool SameConfigs(System.Collections.Immutable.ImmutableSortedDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
        => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var value) && value == kv.Value);
}
