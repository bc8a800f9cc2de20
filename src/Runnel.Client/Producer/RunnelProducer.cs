using System.Threading.Channels;
using Runnel.Client.Metadata;

namespace Runnel.Client.Producer;

/// <summary>
/// Sends records to topics, batching per partition (batch.size, linger.ms) with optional compression, and reports
/// each record's offset. Records to one partition are stored in the order <see cref="ProduceAsync"/> was called.
/// <code>
/// await using var producer = new RunnelProducer(new ProducerOptions { BootstrapServers = "localhost:9092" });
/// var tasks = lines.Select(l => producer.ProduceAsync(new ProducerRecord("logs", Encoding.UTF8.GetBytes(l)))).ToList();
/// await Task.WhenAll(tasks); // start many, then await: awaiting each in turn sends one record per batch
/// </code>
/// Disposing flushes what is still buffered. Thread-safe.
/// </summary>
public sealed partial class RunnelProducer : IAsyncDisposable
{
    private readonly ProducerOptions _options;
    private readonly ClusterClient _cluster;
    private readonly TimeProvider _time;
    private readonly RecordAccumulator _accumulator;
    private readonly Channel<Incoming> _incoming;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Task _dispatcher;
    private readonly Task _sender;
    private readonly Dictionary<string, (RunnelException Error, DateTimeOffset Until)> _missingTopics = new(StringComparer.Ordinal);
    private int _flushRequests;
    private int _disposed;

    public RunnelProducer(ProducerOptions options)
        : this(options, TimeProvider.System)
    {
    }

    internal RunnelProducer(ProducerOptions options, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize);
        _options = options;
        _time = time;
        _cluster = new ClusterClient(options, time);
        _accumulator = new RecordAccumulator(options, time, new StickyPartitions());
        _incoming = Channel.CreateBounded<Incoming>(new BoundedChannelOptions(Math.Max(1, options.MaxQueuedRecords))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _dispatcher = Task.Run(DispatchAsync);
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>
    /// Queues a record; the task completes when the broker has stored it (or at once after the write with acks=0)
    /// and fails with <see cref="RunnelException"/> when it cannot be delivered within the delivery timeout.
    /// <paramref name="cancellationToken"/> cancels only the wait for queue space: a queued record is sent regardless.
    /// </summary>
    public Task<DeliveryResult> ProduceAsync(ProducerRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var size = ProducerBatch.EstimateSize(record);
        if (size > _options.MaxRequestSize)
        {
            return Task.FromException<DeliveryResult>(new RunnelException(Protocol.ErrorCode.MessageTooLarge,
                $"The record is about {size} bytes, more than MaxRequestSize ({_options.MaxRequestSize})."));
        }
        var completion = new TaskCompletionSource<DeliveryResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = new Incoming(record, completion, null);
        // The common case, room in the queue, costs no extra state machine.
        return _incoming.Writer.TryWrite(item) ? completion.Task : QueueWhenRoomAsync(item, cancellationToken);
    }

    private async Task<DeliveryResult> QueueWhenRoomAsync(Incoming item, CancellationToken cancellationToken)
    {
        try
        {
            await _incoming.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(RunnelProducer));
        }
        return await item.Completion!.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// The partitions of <paramref name="topic"/>, looked up (and auto-created when allowed) as the first record
    /// would; fails with <see cref="RunnelException"/> when the cluster is unreachable or the topic is missing.
    /// </summary>
    public async Task<IReadOnlyList<int>> PartitionsForAsync(string topic, CancellationToken cancellationToken = default)
    {
        var info = await _cluster.GetTopicAsync(topic, _options.AllowAutoTopicCreation, cancellationToken).ConfigureAwait(false);
        return [.. info.Partitions.Select(p => p.Partition)];
    }

    /// <summary>Sends everything queued before the call, ignoring linger, and waits until each record is delivered or failed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var marker = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _incoming.Writer.WriteAsync(new Incoming(null, null, marker), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return;
        }
        var batches = await marker.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await batches.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes (waiting up to the delivery timeout for records still being retried), then closes the connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _incoming.Writer.TryComplete();
        await _dispatcher.ConfigureAwait(false);
        _wake.Release();
        await _sender.ConfigureAwait(false);
        await _cluster.DisposeAsync().ConfigureAwait(false);
        _wake.Dispose();
    }

    /// <summary>
    /// Moves queued records into batches, one at a time and in call order, so order per partition holds even while
    /// the first record of a topic waits for metadata. A flush marker records which batches it must wait for.
    /// </summary>
    private async Task DispatchAsync()
    {
        await foreach (var item in _incoming.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.FlushMarker is { } marker)
            {
                marker.TrySetResult(Task.WhenAll(UnfinishedBatches()));
                Interlocked.Increment(ref _flushRequests);
                _wake.Release();
                continue;
            }
            var record = item.Record!;
            if (_missingTopics.TryGetValue(record.Topic, out var missing) && _time.GetUtcNow() < missing.Until)
            {
                item.Completion!.TrySetException(missing.Error);
                continue;
            }
            try
            {
                var topic = await _cluster.GetTopicAsync(record.Topic, _options.AllowAutoTopicCreation, CancellationToken.None).ConfigureAwait(false);
                _missingTopics.Remove(record.Topic);
                var partition = _accumulator.ChoosePartition(record, topic.Partitions.Count);
                if (_accumulator.Append(new TopicPartition(record.Topic, partition), topic.Partitions.Count, record, item.Completion!))
                    _wake.Release();
            }
            catch (RunnelException e) when (e.ErrorCode == Protocol.ErrorCode.UnknownTopicOrPartition)
            {
                // Looking the topic up again took a whole request timeout; records right behind fail at once instead,
                // for as long again, so a producer fed many records for a missing topic does not stall for each.
                _missingTopics[record.Topic] = (e, _time.GetUtcNow() + _options.RequestTimeout);
                item.Completion!.TrySetException(e);
            }
            catch (Exception e)
            {
                item.Completion!.TrySetException(e is RunnelException ? e : new RunnelException($"Could not queue a record for '{record.Topic}': {e.Message}", e));
            }
        }
    }

    private readonly record struct Incoming(ProducerRecord? Record, TaskCompletionSource<DeliveryResult>? Completion, TaskCompletionSource<Task>? FlushMarker);
}
