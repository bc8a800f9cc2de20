using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Metadata;

/// <summary>ListOffsets, shared by the admin client (describe) and the consumer (seek).</summary>
internal sealed partial class ClusterClient
{
    /// <summary>
    /// Looks up one offset per partition for <paramref name="spec"/>, asking each leader once for all its partitions.
    /// A partition whose leader moved is retried after a metadata refresh, a few times at most.
    /// </summary>
    public async Task<Dictionary<TopicPartition, ListedOffset>> ListOffsetsAsync(IEnumerable<TopicPartition> partitions, OffsetSpec spec, CancellationToken cancellationToken)
    {
        var results = new Dictionary<TopicPartition, ListedOffset>();
        var remaining = partitions.Distinct().ToList();
        for (var attempt = 0; remaining.Count > 0; attempt++)
        {
            var byLeader = await GroupByLeaderAsync(remaining, forceRefresh: attempt > 0, cancellationToken).ConfigureAwait(false);
            var retry = new List<TopicPartition>();
            var replies = byLeader.Select(async pair =>
            {
                var connection = await NodeAsync(pair.Key, cancellationToken).ConfigureAwait(false);
                var request = new ListOffsetsRequest
                {
                    ReplicaId = -1,
                    Topics = [.. pair.Value.GroupBy(p => p.Topic).Select(g => new ListOffsetsRequest.ListOffsetsTopic
                    {
                        Name = g.Key,
                        Partitions = [.. g.Select(p => new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = p.Partition, Timestamp = spec.Timestamp })],
                    })],
                    TimeoutMs = (int)_options.RequestTimeout.TotalMilliseconds,
                };
                return await connection.SendAsync<ListOffsetsResponse>(ApiKey.ListOffsets, request, cancellationToken).ConfigureAwait(false);
            }).ToList();
            foreach (var reply in await Task.WhenAll(replies).ConfigureAwait(false))
            {
                foreach (var topic in reply.Topics)
                {
                    foreach (var partition in topic.Partitions)
                    {
                        var key = new TopicPartition(topic.Name, partition.PartitionIndex);
                        var error = (ErrorCode)partition.ErrorCode;
                        if (error == ErrorCode.None)
                            results[key] = new ListedOffset(partition.Offset, partition.Timestamp);
                        else if (ErrorCodes.IsRetriable(error) && attempt < 3)
                            retry.Add(key);
                        else
                            throw RunnelException.FromError(error, $"ListOffsets for {key}");
                    }
                }
            }
            remaining = retry;
            if (retry.Count > 0)
                await Task.Delay(_options.RetryBackoff, _time, cancellationToken).ConfigureAwait(false);
        }
        return results;
    }
}
