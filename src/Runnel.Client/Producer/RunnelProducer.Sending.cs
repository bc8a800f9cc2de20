using Runnel.Client.Metadata;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Producer;

/// <summary>
/// The sender: drains due batches, sends one Produce request per leader per round (Kafka takes one batch per
/// partition per request), and completes, retries or fails each batch from its partition's answer.
/// </summary>
public sealed partial class RunnelProducer
{
    private readonly List<ProducerBatch> _inFlight = [];

    /// <summary>
    /// Every batch not yet delivered or failed: queued in the accumulator, or taken from it by the sender (sent, or
    /// waiting to be requeued for a retry). Batches move between the two under <see cref="_inFlight"/>'s lock, so
    /// none is missed while it moves.
    /// </summary>
    private List<Task> UnfinishedBatches()
    {
        lock (_inFlight)
            return [.. _accumulator.PendingBatches(), .. _inFlight.Select(b => b.Done)];
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            var closing = Volatile.Read(ref _disposed) == 1 && _dispatcher.IsCompleted;
            var flushing = Interlocked.Exchange(ref _flushRequests, 0) > 0;
            List<ProducerBatch> batches;
            lock (_inFlight)
            {
                batches = _accumulator.Drain(all: closing || flushing);
                _inFlight.AddRange(batches);
            }
            if (batches.Count > 0)
            {
                if (flushing)
                    Interlocked.Increment(ref _flushRequests); // until the accumulator is empty, keep ignoring linger
                await SendAsync(batches).ConfigureAwait(false);
                continue;
            }
            if (closing && _accumulator.IsEmpty)
                return;
            var wait = _accumulator.TimeUntilNextDue() ?? Timeout.InfiniteTimeSpan;
            await _wake.WaitAsync(wait).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(List<ProducerBatch> batches)
    {
        var retry = new List<ProducerBatch>();
        var byLeader = new Dictionary<int, List<ProducerBatch>>();
        foreach (var batch in batches)
        {
            var topic = _cluster.Metadata.Topics.GetValueOrDefault(batch.Partition.Topic);
            var leader = topic?.Partitions.FirstOrDefault(p => p.Partition == batch.Partition.Partition)?.Leader ?? -1;
            if (leader < 0)
                Settle(batch, new RunnelException(ErrorCode.LeaderNotAvailable, $"{batch.Partition} has no leader."), retriable: true, retry);
            else
                (byLeader.TryGetValue(leader, out var list) ? list : byLeader[leader] = []).Add(batch);
        }
        await Task.WhenAll(byLeader.Select(pair => SendToLeaderAsync(pair.Key, pair.Value, retry))).ConfigureAwait(false);
        lock (_inFlight)
            _inFlight.RemoveAll(b => b.Done.IsCompleted);
        if (retry.Count == 0)
            return;
        try
        {
            await _cluster.RefreshAsync([.. retry.Select(b => b.Partition.Topic).Distinct()], allowAutoCreate: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RunnelException)
        {
            // The retry goes to whatever leader is known; the batch's deadline bounds how long this can go on.
        }
        lock (_inFlight)
        {
            _accumulator.Requeue(retry); // retries wait in the accumulator
            _inFlight.RemoveAll(retry.Contains);
        }
        await Task.Delay(_options.RetryBackoff, _time).ConfigureAwait(false);
    }

    private async Task SendToLeaderAsync(int leader, List<ProducerBatch> batches, List<ProducerBatch> retry)
    {
        // Round k holds the k-th batch of each partition: a request carries at most one batch per partition, and
        // awaiting each round keeps a partition's batches in order.
        // A partition whose batch is to be retried holds its later batches back too, or they would overtake it.
        var held = new HashSet<TopicPartition>();
        foreach (var round in batches.GroupBy(b => b.Partition).SelectMany(g => g.Select((batch, index) => (batch, index))).GroupBy(x => x.index))
        {
            var roundBatches = new List<ProducerBatch>();
            foreach (var (batch, _) in round)
            {
                if (!held.Contains(batch.Partition))
                    roundBatches.Add(batch);
                else
                    lock (retry)
                        retry.Add(batch);
            }
            if (roundBatches.Count == 0)
                continue;
            var request = new ProduceRequest
            {
                TransactionalId = null,
                Acks = (short)_options.Acks,
                TimeoutMs = (int)_options.RequestTimeout.TotalMilliseconds,
                TopicData = [.. roundBatches.GroupBy(b => b.Partition.Topic).Select(t => new ProduceRequest.TopicProduceData
                {
                    Name = t.Key,
                    PartitionData = [.. t.Select(b => new ProduceRequest.PartitionProduceData { Index = b.Partition.Partition, Records = b.Bytes })],
                })],
            };
            try
            {
                var connection = await _cluster.NodeAsync(leader, CancellationToken.None).ConfigureAwait(false);
                if (_options.Acks == Acks.None)
                {
                    await connection.SendWithoutReplyAsync(ApiKey.Produce, request, CancellationToken.None).ConfigureAwait(false);
                    foreach (var batch in roundBatches)
                        Settle(batch, null, retriable: false, retry);
                    continue;
                }
                var response = await connection.SendAsync<ProduceResponse>(ApiKey.Produce, request, CancellationToken.None).ConfigureAwait(false);
                foreach (var batch in roundBatches)
                    SettleFromReply(batch, response);
            }
            catch (RunnelException e)
            {
                // The request may or may not have been written; without idempotence a retry can duplicate, as in Kafka.
                foreach (var batch in roundBatches)
                    Settle(batch, e, e.IsRetriable, retry);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug or a request that cannot be encoded must fail these records, not silently stop the sender.
                var error = new RunnelException($"Sending to broker {leader} failed: {e.Message}", e);
                foreach (var batch in roundBatches)
                    Settle(batch, error, retriable: false, retry);
            }
            lock (retry)
                held.UnionWith(retry.Where(b => roundBatches.Contains(b)).Select(b => b.Partition));
        }

        void SettleFromReply(ProducerBatch batch, ProduceResponse response)
        {
            var answer = response.Responses.Find(t => t.Name == batch.Partition.Topic)?.PartitionResponses.Find(p => p.Index == batch.Partition.Partition);
            if (answer is null)
            {
                Settle(batch, new RunnelException($"The Produce reply left out {batch.Partition}."), retriable: false, retry);
                return;
            }
            var error = (ErrorCode)answer.ErrorCode;
            if (error == ErrorCode.None)
            {
                batch.Complete(answer.BaseOffset, answer.LogAppendTimeMs);
                batch.Dispose();
                return;
            }
            var message = answer.ErrorMessage ?? answer.RecordErrors.FirstOrDefault()?.BatchIndexErrorMessage;
            Settle(batch, RunnelException.FromError(error, $"Producing to {batch.Partition}", message), ErrorCodes.IsRetriable(error), retry);
        }
    }

    /// <summary>Completes (acks=0), retries (when allowed and before the deadline) or fails a batch.</summary>
    private void Settle(ProducerBatch batch, RunnelException? error, bool retriable, List<ProducerBatch> retry)
    {
        if (error is null)
        {
            batch.Complete(-1, -1);
            batch.Dispose();
            return;
        }
        if (retriable && _time.GetUtcNow().ToUnixTimeMilliseconds() < batch.Deadline)
        {
            lock (retry)
                retry.Add(batch);
            return;
        }
        batch.Fail(error);
        batch.Dispose();
    }
}
