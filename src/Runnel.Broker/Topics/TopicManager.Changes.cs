using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Quorum;
using Runnel.Metadata.Control;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;
using Runnel.Protocol;

namespace Runnel.Broker.Topics;

/// <summary>
/// Creating, deleting and growing topics, and changing their configs: checked here against the broker's rules and
/// config definitions, then decided and committed by the controller. Each call returns once its records are
/// committed and published here (or with the reason they were not).
/// </summary>
internal sealed partial class TopicManager
{
    /// <summary>
    /// Creates a topic (or only checks that it could be, for validate-only requests). -1 partitions or replication
    /// factor means the broker default.
    /// </summary>
    public async Task<TopicResult> CreateAsync(string name, int partitions, short replicationFactor, IReadOnlyDictionary<string, string> configs,
        bool validateOnly, IReadOnlyList<IReadOnlyList<int>>? assignments = null)
    {
        if (TopicNames.Problem(name) is { } problem)
            return new(ErrorCode.InvalidTopicException, problem);
        if (assignments is null && (partitions == 0 || partitions < -1))
            return new(ErrorCode.InvalidPartitions, "Number of partitions was set to an invalid non-positive value.");
        if (assignments is null && (replicationFactor == 0 || replicationFactor < -1))
            return new(ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0, or -1 to use the default value.");
        partitions = partitions == -1 ? _config.GetInt("num.partitions") : partitions;
        replicationFactor = replicationFactor == -1 ? (short)_config.GetInt("default.replication.factor") : replicationFactor;
        if (ValidateConfigs(configs) is { } invalid)
            return invalid;
        WarnIfDeprecated(name, configs);
        var topic = new NewTopic(name, partitions, replicationFactor, configs, assignments);
        if (validateOnly)
            return Result(ReplicationControlManager.CreateTopic(_quorum.Loader.Image, topic, Guid.NewGuid).Response.Error);
        return await ExecuteAsync(image => ReplicationControlManager.CreateTopic(image, topic, Guid.NewGuid), r => r.Error,
            forwarder => forwarder.CreateTopicAsync(topic)).ConfigureAwait(false);
    }

    /// <summary>Creates a topic a client named in Metadata or Produce, if auto.create.topics.enable allows.</summary>
    public async Task<TopicResult> AutoCreateAsync(string name)
    {
        if (!_config.GetBool("auto.create.topics.enable"))
            return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist and auto.create.topics.enable is false.");
        var result = await CreateAsync(name, -1, -1, new Dictionary<string, string>(), validateOnly: false).ConfigureAwait(false);
        return result.Error == ErrorCode.TopicAlreadyExists ? TopicResult.Ok : result;
    }

    public Task<TopicResult> DeleteAsync(string name)
    {
        if (!_config.GetBool("delete.topic.enable"))
            return Task.FromResult(new TopicResult(ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled (delete.topic.enable=false)."));
        return ExecuteAsync(image => ReplicationControlManager.DeleteTopic(image, name), e => e, forwarder => forwarder.DeleteTopicAsync(name));
    }

    public Task<TopicResult> AddPartitionsAsync(string name, int newTotal, bool validateOnly)
    {
        if (validateOnly)
            return Task.FromResult(Result(ReplicationControlManager.CreatePartitions(_quorum.Loader.Image, name, newTotal).Response));
        return ExecuteAsync(image => ReplicationControlManager.CreatePartitions(image, name, newTotal), e => e,
            forwarder => forwarder.CreatePartitionsAsync(name, newTotal));
    }

    /// <summary>Replaces the topic's own configs with <paramref name="configs"/> (AlterConfigs and the incremental form both end here).</summary>
    public Task<TopicResult> SetConfigsAsync(string name, IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        if (ValidateConfigs(configs) is { } invalid)
            return Task.FromResult(invalid);
        WarnIfDeprecated(name, configs);
        return AlterAsync(ConfigResource.Topic(name), configs, validateOnly);
    }

    private Task<TopicResult> AlterAsync(ConfigResource resource, IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        var changes = configs.ToDictionary(c => c.Key, c => (string?)c.Value, StringComparer.Ordinal);
        if (validateOnly)
            return Task.FromResult(Result(ConfigurationControlManager.Alter(_quorum.Loader.Image, resource, changes, replace: true).Response));
        return ExecuteAsync(image => ConfigurationControlManager.Alter(image, resource, changes, replace: true), e => e,
            forwarder => forwarder.AlterConfigsAsync(resource, configs));
    }

    /// <summary>
    /// Runs a controller operation and turns its answer (or why there is none) into a result. Only the active controller
    /// decides; any other node forwards the request to it.
    /// </summary>
    private async Task<TopicResult> ExecuteAsync<T>(Func<MetadataImage, ControllerResult<T>> decide, Func<T, ApiError> error,
        Func<ControllerForwarder, Task<TopicResult>> forward)
    {
        if (!_quorum.Loader.IsActiveController && _quorum.Forwarder is { } forwarder)
            return await forward(forwarder).ConfigureAwait(false);
        try
        {
            return Result(error(await _quorum.Controller.ExecuteAsync(decide).ConfigureAwait(false)));
        }
        catch (NotControllerException e)
        {
            return new(ErrorCode.NotController, e.Message);
        }
        catch (TimeoutException)
        {
            return new(ErrorCode.RequestTimedOut, "The metadata change was not committed in time.");
        }
    }

    private static TopicResult Result(ApiError error) => new(error.Error, error.Message);

    /// <summary>
    /// message.format.version is accepted (Kafka 3.x clients and tools still send it) and stored, but has no effect; the
    /// first request of this broker that sets it logs a warning, later ones do not.
    /// </summary>
    private void WarnIfDeprecated(string topic, IReadOnlyDictionary<string, string> configs)
    {
        if (configs.TryGetValue(TopicConfigs.MessageFormatVersion, out var version) && Interlocked.Exchange(ref _warnedMessageFormatVersion, 1) == 0)
        {
            _logger.LogWarning("Topic config {Key}={Value} (topic {Topic}) is deprecated and ignored: record format v2 is always written. Further uses are not logged",
                TopicConfigs.MessageFormatVersion, version, topic);
        }
    }

    private TopicResult? ValidateConfigs(IReadOnlyDictionary<string, string> configs)
        => Schema.ValidateTopic(configs, DynamicBrokerConfigs) is { Succeeded: false } error ? Result(error) : null;
}
