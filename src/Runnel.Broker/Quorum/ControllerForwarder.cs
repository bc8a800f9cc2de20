using Microsoft.Extensions.Logging;
using Runnel.Broker.Topics;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Raft.Messages;

namespace Runnel.Broker.Quorum;

/// <summary>
/// Admin changes a broker-only node cannot decide itself (it follows the metadata log, it does not write it) go to
/// the active controller as the same Kafka request, one topic or resource at a time, as Kafka's ForwardingManager
/// does. The controller answers once the change is committed; this node then waits until its own image holds what
/// the controller had committed by then, so the caller finds the topic served here when the answer arrives.
/// </summary>
internal sealed class ControllerForwarder(MetadataQuorum quorum, ControllerChannel channel, ILogger logger, CancellationToken stopping)
{
    /// <summary>The most a forwarded change waits for a controller: a failover, then a commit.</summary>
    private static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The longest pause before asking the same controller again (it may be about to become active).</summary>
    private static readonly TimeSpan RetryBackoff = TimeSpan.FromMilliseconds(100);

    private TimeProvider Time => quorum.Time;

    public Task<TopicResult> CreateTopicAsync(NewTopic topic)
    {
        var creatable = new CreateTopicsRequest.CreatableTopic
        {
            Name = topic.Name,
            NumPartitions = topic.Assignments is null ? topic.Partitions : -1,
            ReplicationFactor = topic.Assignments is null ? topic.ReplicationFactor : (short)-1,
            Assignments = [.. (topic.Assignments ?? []).Select((replicas, p) => new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = p, BrokerIds = [.. replicas] })],
            Configs = [.. topic.Configs.Select(c => new CreateTopicsRequest.CreatableTopicConfig { Name = c.Key, Value = c.Value })],
        };
        var request = new CreateTopicsRequest { Topics = [creatable], timeoutMs = (int)ForwardTimeout.TotalMilliseconds };
        return ForwardAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, request, r => r.Topics is [var t] ? (t.ErrorCode, t.ErrorMessage) : null);
    }

    public Task<TopicResult> DeleteTopicAsync(string name)
    {
        var request = new DeleteTopicsRequest { Topics = [new() { Name = name }], TimeoutMs = (int)ForwardTimeout.TotalMilliseconds };
        return ForwardAsync<DeleteTopicsResponse>(ApiKey.DeleteTopics, 6, request, r => r.Responses is [var t] ? (t.ErrorCode, t.ErrorMessage) : null);
    }

    public Task<TopicResult> CreatePartitionsAsync(string name, int total)
    {
        var request = new CreatePartitionsRequest { Topics = [new() { Name = name, Count = total, Assignments = null }], TimeoutMs = (int)ForwardTimeout.TotalMilliseconds };
        return ForwardAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, 3, request, r => r.Results is [var t] ? (t.ErrorCode, t.ErrorMessage) : null);
    }

    /// <summary>Replaces the resource's configs (AlterConfigs); the broker resource is the cluster-wide default ("").</summary>
    public Task<TopicResult> AlterConfigsAsync(ConfigResource resource, IReadOnlyDictionary<string, string> configs)
    {
        var alter = new AlterConfigsRequest.AlterConfigsResource
        {
            ResourceType = (sbyte)resource.Type,
            ResourceName = resource.Name,
            Configs = [.. configs.Select(c => new AlterConfigsRequest.AlterableConfig { Name = c.Key, Value = c.Value })],
        };
        return ForwardAsync<AlterConfigsResponse>(ApiKey.AlterConfigs, 2, new AlterConfigsRequest { Resources = [alter] },
            r => r.Responses is [var t] ? (t.ErrorCode, t.ErrorMessage) : null);
    }

    /// <summary>
    /// A block of producer ids from the active controller (AllocateProducerIds), retried through controller changes for
    /// up to the forward timeout; throws TimeoutException when none answered.
    /// </summary>
    public async Task<(long Start, long End)> AllocateProducerIdsAsync(int brokerId, CancellationToken cancellation)
    {
        var started = Time.GetTimestamp();
        while (Time.GetElapsedTime(started) < ForwardTimeout)
        {
            var target = channel.Target;
            var request = new AllocateProducerIdsRequest { BrokerId = brokerId, BrokerEpoch = quorum.Loader.Image.Cluster.Brokers.GetValueOrDefault(brokerId)?.Epoch ?? -1 };
            var response = await channel.TrySendAsync<AllocateProducerIdsResponse>(ApiKey.AllocateProducerIds, 0, request, RequestTimeout, cancellation).ConfigureAwait(false);
            if (response is { ErrorCode: 0 })
                return (response.ProducerIdStart, response.ProducerIdStart + response.ProducerIdLen);
            await RetryWaitAsync(target, started, cancellation).ConfigureAwait(false);
        }
        throw new TimeoutException("No active controller allocated producer ids.");
    }

    /// <summary>
    /// Passes a request the controllers answer (DescribeQuorum) to the active one, as Kafka's brokers do; null when no
    /// controller answered within the request timeout.
    /// </summary>
    public Task<TResponse?> RelayAsync<TResponse>(ApiKey api, short version, IKafkaMessage request, CancellationToken cancellation)
        where TResponse : class, IKafkaMessage, new()
        => channel.TrySendAsync<TResponse>(api, version, request, RequestTimeout, cancellation);

    /// <summary>
    /// Passes a whole admin request the active controller decides (ElectLeaders, the reassignment APIs) to it as
    /// received, at <paramref name="version"/>, retrying while no controller answers or one says NOT_CONTROLLER
    /// (<paramref name="topLevel"/> reads the answer's top-level error), for up to the forward timeout. With
    /// <paramref name="catchUp"/>, once answered this node's image catches up with what the controller had committed,
    /// so the change is visible here when the caller replies. Null when no controller answered in time.
    /// </summary>
    public async Task<TResponse?> ForwardRequestAsync<TResponse>(ApiKey api, short version, IKafkaMessage request, Func<TResponse, ErrorCode> topLevel,
        bool catchUp, CancellationToken cancellation)
        where TResponse : class, IKafkaMessage, new()
    {
        var started = Time.GetTimestamp();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellation);
        try
        {
            while (Time.GetElapsedTime(started) < ForwardTimeout)
            {
                var target = channel.Target;
                var response = await channel.TrySendAsync<TResponse>(api, version, request, RequestTimeout, linked.Token).ConfigureAwait(false);
                if (response is not null && topLevel(response) != ErrorCode.NotController)
                {
                    if (catchUp)
                        await CatchUpAsync().ConfigureAwait(false);
                    return response;
                }
                await RetryWaitAsync(target, started, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
        }
        return null;
    }

    /// <summary>Sends until a controller answers (other than NOT_CONTROLLER) or the forward timeout passes.</summary>
    private async Task<TopicResult> ForwardAsync<TResponse>(ApiKey api, short version, IKafkaMessage request, Func<TResponse, (short Error, string? Message)?> outcome)
        where TResponse : class, IKafkaMessage, new()
    {
        var started = Time.GetTimestamp();
        try
        {
            while (Time.GetElapsedTime(started) < ForwardTimeout)
            {
                var target = channel.Target;
                var response = await channel.TrySendAsync<TResponse>(api, version, request, RequestTimeout, stopping).ConfigureAwait(false);
                if (response is not null && outcome(response) is { } answer && (ErrorCode)answer.Error != ErrorCode.NotController)
                {
                    if ((ErrorCode)answer.Error == ErrorCode.None)
                        await CatchUpAsync().ConfigureAwait(false);
                    return new TopicResult((ErrorCode)answer.Error, answer.Message);
                }
                await RetryWaitAsync(target, started, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return new TopicResult(ErrorCode.RequestTimedOut, "The broker is shutting down.");
        }
        return new TopicResult(ErrorCode.RequestTimedOut, $"No active controller took the {api} request within {ForwardTimeout.TotalSeconds} s.");
    }

    /// <summary>
    /// The wait before another attempt, after <paramref name="tried"/> (the controller then named, null: none) did not
    /// answer: until the quorum names another controller (a leader change), for the rest of the forward timeout when
    /// none was named, else at most the retry backoff.
    /// </summary>
    private Task RetryWaitAsync(int? tried, long started, CancellationToken cancellation)
    {
        var left = ForwardTimeout - Time.GetElapsedTime(started);
        return left <= TimeSpan.Zero ? Task.CompletedTask
            : quorum.WaitForControllerChangeAsync(tried, tried is null ? left : TimeSpan.FromTicks(Math.Min(left.Ticks, RetryBackoff.Ticks)), cancellation);
    }

    /// <summary>Waits until this node's image reaches the controller's high watermark as of now (best effort, bounded).</summary>
    private async Task CatchUpAsync()
    {
        var describe = new DescribeQuorumRequest { Topics = [new() { TopicName = RaftRequests.MetadataTopic, Partitions = [new() { PartitionIndex = 0 }] }] };
        var response = await channel.TrySendAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, 2, describe, RequestTimeout, stopping).ConfigureAwait(false);
        if (response?.Topics.SelectMany(t => t.Partitions).FirstOrDefault() is not { ErrorCode: 0, HighWatermark: > 0 } partition)
            return;
        // Not through the loader's commit waiters: those are failed by every leader change.
        var target = partition.HighWatermark - 1;
        if (!await quorum.Loader.WaitUntilAsync(image => image.Offset >= target, CatchUpTimeout, Time, stopping).ConfigureAwait(false))
            logger.LogWarning("The metadata image did not reach offset {Offset} within {Timeout} s of a forwarded change", target, CatchUpTimeout.TotalSeconds);
    }
}
