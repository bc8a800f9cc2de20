using Microsoft.Extensions.Logging;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;

namespace Runnel.Broker.Topics;

/// <summary>Turning committed images into served topics.</summary>
internal sealed partial class TopicManager : IMetadataPublisher
{
    /// <summary>
    /// Makes the served topics match <paramref name="image"/>: removed topics lose their logs, new ones get theirs,
    /// grown ones get the new partitions, and changed configs (the topic's or the broker defaults) apply at once.
    /// Idempotent, so the image a subscription starts with may repeat what the constructor already did.
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
                    state.SetPartitions([.. Enumerable.Range(0, topic.PartitionCount).Select(p => OpenPartition(state, p))]);
                    _byName[state.Name] = state;
                    _byId[state.Id] = state;
                    _logger.LogInformation("Serving topic {Topic} ({Id}) with {Partitions} partitions", topic.Name, topic.Id, topic.PartitionCount);
                    continue;
                }
                if (defaultsChanged || !SameConfigs(configs, state.Configs))
                {
                    state.Configs = configs;
                    state.Settings = Resolve(configs);
                    foreach (var partition in state.Partitions)
                        partition.Log.Config = state.Settings.Log;
                }
                var current = state.Partitions.Count;
                if (topic.PartitionCount > current)
                {
                    state.SetPartitions([.. state.Partitions, .. Enumerable.Range(current, topic.PartitionCount - current).Select(p => OpenPartition(state, p))]);
                    _logger.LogInformation("Topic {Topic} grew from {Old} to {New} partitions", topic.Name, current, topic.PartitionCount);
                }
            }
        }
    }

    private void Remove(TopicState topic)
    {
        _byName.TryRemove(topic.Name, out _);
        _byId.TryRemove(topic.Id, out _);
        foreach (var partition in topic.Partitions)
        {
            _logs.DeleteLog(partition.TopicPartition);
            partition.SignalAppended();
        }
        _logger.LogInformation("Deleted topic {Topic}", topic.Name);
    }

    private static bool SameConfigs(System.Collections.Immutable.ImmutableSortedDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
        => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var value) && value == kv.Value);
}
