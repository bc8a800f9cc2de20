using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Partitions;
using Runnel.Broker.Quorum;
using Runnel.Metadata.Control;
using Runnel.Metadata.Controller;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Storage;

namespace Runnel.Broker.Replication;

/// <summary>
/// Sends the ISR changes this node's leaders propose to the active controller (Kafka's AlterPartitionManager): one
/// AlterPartition request in flight, carrying every change queued meanwhile; each partition gets the controller's
/// answer. NOT_CONTROLLER, a stale broker epoch or no answer at all puts the changes back in the queue, retried after
/// a short pause. When this node is the active controller the decision is made in-process.
/// </summary>
internal sealed class AlterPartitionManager : IIsrChangeSink, IAsyncDisposable
{
    private const short Version = 3;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(50);

    private readonly MetadataQuorum _quorum;
    private readonly int _localId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ControllerChannel _channel;
    private readonly Dictionary<TopicPartition, (Partition Partition, IsrProposal Proposal)> _queued = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public AlterPartitionManager(MetadataQuorum quorum, int localId, TimeProvider time, ILogger logger)
    {
        _quorum = quorum;
        _localId = localId;
        _time = time;
        _logger = logger;
        _channel = new ControllerChannel(localId, "alter-partition", () => quorum.Loader.LeaderId, quorum.Voters, quorum.ControllerSecurity, logger, time);
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    public void Submit(Partition partition, IsrProposal proposal)
    {
        lock (_queued)
            _queued[partition.TopicPartition] = (partition, proposal);
        _wake.Release();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await _wake.WaitAsync(stopping).ConfigureAwait(false);
                List<(Partition Partition, IsrProposal Proposal)> batch;
                lock (_queued)
                {
                    batch = [.. _queued.Values];
                    _queued.Clear();
                }
                if (batch.Count == 0)
                    continue;
                if (!await SendAsync(batch, stopping).ConfigureAwait(false))
                {
                    foreach (var (partition, proposal) in batch.Where(b => b.Partition.IsPending(b.Proposal)))
                    {
                        lock (_queued)
                            _queued.TryAdd(partition.TopicPartition, (partition, proposal));
                    }
                    await Task.Delay(RetryPause, _time, stopping).ConfigureAwait(false);
                    _wake.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>One request for <paramref name="batch"/>; false when it must be retried as a whole.</summary>
    private async Task<bool> SendAsync(List<(Partition Partition, IsrProposal Proposal)> batch, CancellationToken stopping)
    {
        var image = _quorum.Loader.Image;
        var request = new AlterPartitionRequest
        {
            BrokerId = _localId,
            BrokerEpoch = image.Cluster.Brokers.GetValueOrDefault(_localId)?.Epoch ?? -1,
            Topics = [.. batch.GroupBy(b => b.Partition.TopicId).Select(topic => new AlterPartitionRequest.TopicData
            {
                TopicId = topic.Key,
                Partitions = [.. topic.Select(b => new AlterPartitionRequest.PartitionData
                {
                    PartitionIndex = b.Partition.TopicPartition.Partition,
                    LeaderEpoch = b.Proposal.LeaderEpoch,
                    PartitionEpoch = b.Proposal.PartitionEpoch,
                    NewIsrWithEpochs = [.. b.Proposal.NewIsr.Select(m => new AlterPartitionRequest.BrokerState { BrokerId = m.BrokerId, BrokerEpoch = m.BrokerEpoch })],
                })],
            })],
        };
        var response = await DecideAsync(request, stopping).ConfigureAwait(false);
        if (response is null || response.ErrorCode != 0)
        {
            _logger.LogDebug("AlterPartition for {Count} partitions not answered ({Error}); retrying", batch.Count, (ErrorCode?)response?.ErrorCode);
            return false;
        }
        foreach (var topic in response.Topics)
        {
            foreach (var answer in topic.Partitions)
            {
                var (partition, proposal) = batch.First(b => b.Partition.TopicId == topic.TopicId && b.Partition.TopicPartition.Partition == answer.PartitionIndex);
                var error = (ErrorCode)answer.ErrorCode;
                if (error is ErrorCode.None or ErrorCode.OperationNotAttempted or ErrorCode.IneligibleReplica or ErrorCode.FencedLeaderEpoch
                    or ErrorCode.InvalidUpdateVersion or ErrorCode.InvalidRequest or ErrorCode.NewLeaderElected or ErrorCode.UnknownTopicId
                    or ErrorCode.UnknownTopicOrPartition)
                {
                    partition.CompleteIsrChange(proposal, error, answer.LeaderEpoch, answer.PartitionEpoch, [.. answer.Isr]);
                    if (error != ErrorCode.None)
                        _logger.LogInformation("ISR change of {Partition} to [{Isr}] refused: {Error}", partition.TopicPartition, string.Join(',', proposal.Members), error);
                }
                else
                {
                    // NOT_CONTROLLER and the like: try again.
                    Submit(partition, proposal);
                }
            }
        }
        return true;
    }

    private async Task<AlterPartitionResponse?> DecideAsync(AlterPartitionRequest request, CancellationToken stopping)
    {
        if (!_quorum.Loader.IsActiveController)
            return await _channel.TrySendAsync<AlterPartitionResponse>(ApiKey.AlterPartition, Version, request, RequestTimeout, stopping).ConfigureAwait(false);
        try
        {
            return await _quorum.Controller.ExecuteAsync(image => ReplicationControlManager.AlterPartition(image, request, Version, _quorum.Policy), stopping)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is NotControllerException or TimeoutException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _channel.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _wake.Dispose();
    }
}
