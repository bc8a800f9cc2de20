using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Protocol;

namespace Runnel.Broker.Topics;

/// <summary>Creating, deleting and growing topics, and changing their configs.</summary>
internal sealed partial class TopicManager
{
    /// <summary>
    /// Creates a topic (or only checks that it could be, for validate-only requests). -1 partitions or replication
    /// factor means the broker default. A single node can hold one replica per partition.
    /// </summary>
    public TopicResult Create(string name, int partitions, short replicationFactor, IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        if (TopicNames.Problem(name) is { } problem)
            return new(ErrorCode.InvalidTopicException, problem);
        partitions = partitions == -1 ? _config.GetInt("num.partitions") : partitions;
        replicationFactor = replicationFactor == -1 ? (short)_config.GetInt("default.replication.factor") : replicationFactor;
        if (partitions < 1)
            return new(ErrorCode.InvalidPartitions, $"Number of partitions must be at least 1, was {partitions}.");
        if (replicationFactor < 1)
            return new(ErrorCode.InvalidReplicationFactor, $"Replication factor must be at least 1, was {replicationFactor}.");
        if (replicationFactor > 1)
            return new(ErrorCode.InvalidReplicationFactor, $"Replication factor: {replicationFactor} larger than available brokers: 1.");
        if (ValidateConfigs(configs) is { } invalid)
            return invalid;
        lock (_changes)
        {
            if (_byName.ContainsKey(name))
                return new(ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
            var collision = _byName.Keys.FirstOrDefault(existing => TopicNames.CollisionKey(existing) == TopicNames.CollisionKey(name));
            if (collision is not null)
                return new(ErrorCode.InvalidTopicException, $"Topic '{name}' collides with existing topic: {collision}.");
            if (validateOnly)
                return TopicResult.Ok;
            var overrides = new Dictionary<string, string>(configs, StringComparer.Ordinal);
            var topic = new TopicState(name, Guid.NewGuid(), overrides, Resolve(overrides));
            Persist(All.Append(topic), partitionCounts: new Dictionary<string, int> { [name] = partitions });
            topic.SetPartitions([.. Enumerable.Range(0, partitions).Select(p => OpenPartition(topic, p))]);
            Register(topic);
            _logger.LogInformation("Created topic {Topic} with {Partitions} partitions", name, partitions);
            return TopicResult.Ok;
        }
    }

    /// <summary>Creates a topic a client named in Metadata or Produce, if auto.create.topics.enable allows.</summary>
    public TopicResult AutoCreate(string name)
    {
        if (!_config.GetBool("auto.create.topics.enable"))
            return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist and auto.create.topics.enable is false.");
        var result = Create(name, -1, -1, new Dictionary<string, string>(), validateOnly: false);
        return result.Error == ErrorCode.TopicAlreadyExists ? TopicResult.Ok : result;
    }

    public TopicResult Delete(string name)
    {
        if (!_config.GetBool("delete.topic.enable"))
            return new(ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled (delete.topic.enable=false).");
        lock (_changes)
        {
            if (!_byName.TryGetValue(name, out var topic))
                return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            Persist(All.Where(t => t != topic));
            _byName.TryRemove(name, out _);
            _byId.TryRemove(topic.Id, out _);
            foreach (var partition in topic.Partitions)
            {
                _logs.DeleteLog(partition.TopicPartition);
                partition.SignalAppended();
            }
            _logger.LogInformation("Deleted topic {Topic}", name);
            return TopicResult.Ok;
        }
    }

    public TopicResult AddPartitions(string name, int newTotal, bool validateOnly)
    {
        lock (_changes)
        {
            if (!_byName.TryGetValue(name, out var topic))
                return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            var current = topic.Partitions.Count;
            if (newTotal <= current)
                return new(ErrorCode.InvalidPartitions, $"Topic currently has {current} partitions, {newTotal} would not be an increase.");
            if (validateOnly)
                return TopicResult.Ok;
            Persist(All, partitionCounts: new Dictionary<string, int> { [name] = newTotal });
            var grown = topic.Partitions.ToList();
            topic.SetPartitions([.. grown, .. Enumerable.Range(current, newTotal - current).Select(p => OpenPartition(topic, p))]);
            _logger.LogInformation("Topic {Topic} grew from {Old} to {New} partitions", name, current, newTotal);
            return TopicResult.Ok;
        }
    }

    /// <summary>Replaces the topic's own configs with <paramref name="configs"/> (AlterConfigs and the incremental form both end here).</summary>
    public TopicResult SetConfigs(string name, IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        if (ValidateConfigs(configs) is { } invalid)
            return invalid;
        lock (_changes)
        {
            if (!_byName.TryGetValue(name, out var topic))
                return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            if (validateOnly)
                return TopicResult.Ok;
            var settings = Resolve(configs);
            topic.Configs = new Dictionary<string, string>(configs, StringComparer.Ordinal);
            topic.Settings = settings;
            foreach (var partition in topic.Partitions)
                partition.Log.Config = settings.Log;
            Persist(All);
            return TopicResult.Ok;
        }
    }

    private TopicResult? ValidateConfigs(IReadOnlyDictionary<string, string> configs)
    {
        foreach (var (key, value) in configs)
        {
            if (!TopicConfigs.TryGet(key, out var definition, out _))
                return new(ErrorCode.InvalidConfig, $"Unknown topic config name: {key}");
            if (definition.Validate(value) is { } problem)
                return new(ErrorCode.InvalidConfig, $"Invalid value {value} for configuration {key}: {problem}");
        }
        // A valid value the broker still refuses: no request carrying such a batch could ever reach it.
        if (configs.TryGetValue(TopicConfigs.MaxMessageBytes, out var maxMessage)
            && long.Parse(maxMessage, System.Globalization.CultureInfo.InvariantCulture) > _config.SocketRequestMaxBytes)
        {
            return new(ErrorCode.PolicyViolation,
                $"max.message.bytes {maxMessage} exceeds socket.request.max.bytes {_config.SocketRequestMaxBytes}; no such batch could be received.");
        }
        try
        {
            Resolve(configs);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            return new(ErrorCode.InvalidConfig, e.Message);
        }
    }
}
