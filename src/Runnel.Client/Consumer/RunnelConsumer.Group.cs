using Runnel.Protocol;

namespace Runnel.Client.Consumer;

/// <summary>Group mode: subscribe, (re)join on poll, start at committed offsets, commit.</summary>
public sealed partial class RunnelConsumer
{
    private readonly GroupMembership? _group;
    private List<string> _subscription = [];
    private DateTimeOffset _nextAutoCommit = DateTimeOffset.MinValue;

    /// <summary>The group generation this consumer last joined, or -1.</summary>
    public int GenerationId => _group?.GenerationId ?? -1;

    /// <summary>This consumer's member id in its group ("" before it joins).</summary>
    public string MemberId => _group?.MemberId ?? "";

    /// <summary>Lets the group assign this consumer partitions of <paramref name="topics"/>; joining happens on the next poll.</summary>
    public void Subscribe(IEnumerable<string> topics)
    {
        if (_group is null)
            throw new InvalidOperationException("Subscribing needs a consumer group: set ConsumerOptions.GroupId, or use Assign.");
        _subscription = [.. topics.Distinct()];
    }

    /// <summary>Commits the current positions of the assigned partitions (or <paramref name="offsets"/>) for the group.</summary>
    public async Task CommitAsync(IReadOnlyDictionary<TopicPartition, long>? offsets = null, CancellationToken cancellationToken = default)
    {
        if (_group is null)
            throw new InvalidOperationException("Committing needs a consumer group: set ConsumerOptions.GroupId.");
        offsets ??= _assigned.Where(p => p.Value.Position is not null).ToDictionary(p => p.Key, p => p.Value.Position!.Value);
        if (offsets.Count == 0)
            return;
        try
        {
            await _group.CommitAsync(offsets, cancellationToken).ConfigureAwait(false);
        }
        catch (RunnelException e)
        {
            // The generation is over: the partitions may belong to another member now, so join again.
            _group.RequestRejoin(e.ErrorCode);
            throw;
        }
    }

    /// <summary>
    /// Keeps the membership current before a poll: auto-commits when due, and after a rebalance commits what was
    /// read, joins again and starts each new partition at the group's committed offset. False when this member has
    /// no partitions (the poll then just waits).
    /// </summary>
    private async Task<bool> MaintainGroupAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_subscription.Count == 0)
            throw new InvalidOperationException("Subscribe to topics before polling a group consumer.");
        if (_options.EnableAutoCommit && DateTimeOffset.UtcNow >= _nextAutoCommit && !_group!.RejoinNeeded)
            await AutoCommitAsync(cancellationToken).ConfigureAwait(false);
        if (_group!.RejoinNeeded)
        {
            if (_options.EnableAutoCommit)
                await AutoCommitAsync(cancellationToken).ConfigureAwait(false);
            var partitions = await _group.JoinAsync(_subscription, cancellationToken).ConfigureAwait(false);
            _assigned.Clear();
            Assign(partitions);
            var committed = partitions.Count == 0 ? [] : await _cluster.FetchCommittedAsync(_options.GroupId!, partitions, cancellationToken).ConfigureAwait(false);
            foreach (var (partition, offset) in committed.Where(c => c.Value >= 0))
                Seek(partition, offset);
        }
        if (_assigned.Count > 0)
            return true;
        await Task.Delay(timeout, cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task AutoCommitAsync(CancellationToken cancellationToken)
    {
        _nextAutoCommit = DateTimeOffset.UtcNow + _options.AutoCommitInterval;
        try
        {
            await CommitAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RunnelException e) when (e.ErrorCode is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId
            or ErrorCode.FencedInstanceId or ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable)
        {
            // Another member re-reads from the last commit that got through: at least once, never skipped.
        }
    }

    private async Task CloseGroupAsync()
    {
        if (_options.EnableAutoCommit && !_group!.RejoinNeeded)
        {
            try
            {
                await CommitAsync().ConfigureAwait(false);
            }
            catch (RunnelException)
            {
                // Closing goes on: the next owner re-reads from the last commit.
            }
        }
        await _group!.DisposeAsync().ConfigureAwait(false);
    }
}
