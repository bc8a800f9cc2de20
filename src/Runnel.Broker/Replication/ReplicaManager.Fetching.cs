using Microsoft.Extensions.Logging;
using Runnel.Broker.Partitions;

namespace Runnel.Broker.Replication;

/// <summary>The follower side: one fetcher per leader this node follows partitions of.</summary>
internal sealed partial class ReplicaManager
{
    private readonly Dictionary<int, ReplicaFetcher> _fetchers = [];
    private readonly Dictionary<Partition, ReplicaFetcher> _fetching = [];

    /// <summary>Where this node's leaders send ISR changes.</summary>
    public IIsrChangeSink? IsrChanges { get; set; }

    /// <summary>(Re)starts fetching a partition this node follows from its current leader; no leader means no fetching.</summary>
    private void StartFetching(Partition partition)
    {
        var leader = partition.Assignment.Leader;
        List<ReplicaFetcher> idle;
        lock (_fetchers)
        {
            idle = RemoveLocked(partition);
            if (leader < 0 || leader == LocalId || _stopping.IsCancellationRequested)
                return;
            if (!_fetchers.TryGetValue(leader, out var fetcher))
                _fetchers[leader] = fetcher = new ReplicaFetcher(leader, LocalId, _quorum, FetcherSettings, _time, _logger);
            fetcher.Add(partition);
            _fetching[partition] = fetcher;
            idle.Remove(fetcher);
        }
        _ = DisposeAllAsync(idle);
        _logger.LogInformation("Following {Partition} from broker {Leader} in epoch {Epoch}", partition.TopicPartition, leader, partition.LeaderEpoch);
    }

    private void StopFetching(Partition partition)
    {
        List<ReplicaFetcher> idle;
        lock (_fetchers)
            idle = RemoveLocked(partition);
        _ = DisposeAllAsync(idle);
    }

    /// <summary>Takes <paramref name="partition"/> off its fetcher; returns fetchers left with nothing to do (already unlisted).</summary>
    private List<ReplicaFetcher> RemoveLocked(Partition partition)
    {
        if (!_fetching.Remove(partition, out var fetcher) || !fetcher.Remove(partition))
            return [];
        _fetchers.Remove(fetcher.LeaderId);
        return [fetcher];
    }

    private async Task StopFetchersAsync()
    {
        List<ReplicaFetcher> all;
        lock (_fetchers)
        {
            all = [.. _fetchers.Values];
            _fetchers.Clear();
            _fetching.Clear();
        }
        await DisposeAllAsync(all).ConfigureAwait(false);
    }

    private async Task DisposeAllAsync(List<ReplicaFetcher> fetchers)
    {
        foreach (var fetcher in fetchers)
        {
            try
            {
                await fetcher.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Stopping the fetcher from broker {Leader} failed", fetcher.LeaderId);
            }
        }
    }
}
