using Microsoft.Extensions.Logging;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Client.Consumer;
using Runnel.Client.Producer;

namespace Runnel.SchemaRegistry.Store;

/// <summary>
/// The <c>_schemas</c> topic (one partition, compacted) through Runnel's own client, as Confluent's registry keeps its
/// store in Kafka: a reader applies every record to <see cref="RegistryState"/> in offset order; a write is produced
/// to the partition's leader (acks=all) and counts once the reader has applied it, so a writer sees what every other
/// node sees. <see cref="SyncAsync"/> waits until everything in the log when it was called is applied: a read after
/// it sees every write acknowledged before it, on any broker.
/// </summary>
internal sealed class RegistryLog : IAsyncDisposable
{
    public const string Topic = "_schemas";

    private readonly SchemaRegistryOptions _options;
    private readonly ILogger _logger;
    private readonly RegistryState _state;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _waitersLock = new();
    private readonly List<(long Offset, TaskCompletionSource Done)> _waiters = [];
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private RunnelAdminClient? _admin;
    private RunnelProducer? _producer;
    private RunnelConsumer? _consumer;
    private Task? _reader;
    private long _applied;
    private Exception? _readerFailure;

    public RegistryLog(SchemaRegistryOptions options, RegistryState state, ILogger logger)
    {
        _options = options;
        _state = state;
        _logger = logger;
    }

    /// <summary>The next offset to apply: every record below it is in the state.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Opens the topic (creating it when missing) and starts the reader, once; later calls return at once.</summary>
    public async Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (_reader is not null)
            return;
        await _startLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_reader is not null)
                return;
            var client = new ClientOptions { BootstrapServers = _options.BootstrapServers, ClientId = "runnel-schema-registry" };
            _admin ??= new RunnelAdminClient(client);
            await CreateTopicAsync(_admin, cancellationToken).ConfigureAwait(false);
            _producer ??= new RunnelProducer(new ProducerOptions
            {
                BootstrapServers = client.BootstrapServers,
                ClientId = client.ClientId,
                Acks = Acks.All,
                Linger = TimeSpan.Zero,
                AllowAutoTopicCreation = false,
            });
            var consumer = new RunnelConsumer(new ConsumerOptions
            {
                BootstrapServers = client.BootstrapServers,
                ClientId = client.ClientId,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
            });
            consumer.Assign([new TopicPartition(Topic, 0)]);
            consumer.Seek(new TopicPartition(Topic, 0), 0);
            _consumer = consumer;
            _reader = Task.Run(ReadLoopAsync, CancellationToken.None);
        }
        finally
        {
            _startLock.Release();
        }
    }

    private async Task CreateTopicAsync(RunnelAdminClient admin, CancellationToken cancellationToken)
    {
        var existing = await admin.ListTopicsAsync(includeInternal: true, cancellationToken).ConfigureAwait(false);
        if (existing.Contains(Topic))
            return;
        var brokers = (await admin.DescribeClusterAsync(cancellationToken).ConfigureAwait(false)).Brokers.Count;
        var replication = (short)Math.Clamp(Math.Min(_options.ReplicationFactor, brokers), 1, short.MaxValue);
        try
        {
            await admin.CreateTopicsAsync([new NewTopic(Topic, 1, replication)
            {
                Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" },
            }], cancellationToken: cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Created the schema registry's topic {Topic} (replication factor {Replication})", Topic, replication);
        }
        catch (RunnelException e) when (e.ErrorCode == Protocol.ErrorCode.TopicAlreadyExists)
        {
            // Another broker's registry created it first.
        }
    }

    private async Task ReadLoopAsync()
    {
        var partition = new TopicPartition(Topic, 0);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                // A long poll: the broker holds the fetch until records arrive or the wait ends.
                var records = await _consumer!.PollAsync(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
                foreach (var record in records)
                    _state.Apply(record.Key, record.Value);
                if (_consumer.Position(partition) is { } position && position > Applied)
                {
                    Interlocked.Exchange(ref _applied, position);
                    CompleteWaiters(position);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _readerFailure = e;
            _logger.LogError(e, "The schema registry stopped reading {Topic}", Topic);
            FailWaiters(e);
        }
    }

    private void CompleteWaiters(long position)
    {
        lock (_waitersLock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Offset <= position)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private void FailWaiters(Exception e)
    {
        lock (_waitersLock)
        {
            foreach (var (_, done) in _waiters)
                done.TrySetException(e);
            _waiters.Clear();
        }
    }

    /// <summary>Waits until every record below <paramref name="offset"/> is applied, within the options' timeout.</summary>
    public async Task WaitAppliedAsync(long offset, CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (_waitersLock)
        {
            if (_readerFailure is { } failure)
                throw RegistryExceptionFor(failure);
            if (Applied >= offset)
                return;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((offset, done));
        }
        // Re-check: the reader may have moved between the read above and the registration.
        if (Applied >= offset)
            CompleteWaiters(Applied);
        try
        {
            await done.Task.WaitAsync(_options.Timeout, _options.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw Model.RegistryException.Timeout($"Timed out after {_options.Timeout.TotalMilliseconds} ms waiting for the {Topic} topic to be read to offset {offset}");
        }
    }

    /// <summary>Waits until the state has every record the log had when this was called.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        var partition = new TopicPartition(Topic, 0);
        IReadOnlyDictionary<TopicPartition, ListedOffset> end;
        try
        {
            end = await _admin!.ListOffsetsAsync([partition], OffsetSpec.Latest, cancellationToken).ConfigureAwait(false);
        }
        catch (RunnelException e)
        {
            throw RegistryExceptionFor(e);
        }
        await WaitAppliedAsync(end[partition].Offset, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends records (each to the one partition, in order) and waits until the reader applied the last.</summary>
    public async Task WriteAsync(IReadOnlyList<(byte[] Key, byte[]? Value)> records, CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        long last = -1;
        try
        {
            // Sent one after another: a record is stored only after the one before it, so the order is the call's.
            foreach (var (key, value) in records)
            {
                var delivery = await _producer!.ProduceAsync(new ProducerRecord(Topic, key, value) { Partition = 0 }, cancellationToken).ConfigureAwait(false);
                last = delivery.Offset;
            }
        }
        catch (RunnelException e)
        {
            throw RegistryExceptionFor(e);
        }
        await WaitAppliedAsync(last + 1, cancellationToken).ConfigureAwait(false);
    }

    private static Model.RegistryException RegistryExceptionFor(Exception e) => Model.RegistryException.Store(e.Message);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_reader is { } reader)
            await reader.ConfigureAwait(false);
        if (_consumer is { } consumer)
            await consumer.DisposeAsync().ConfigureAwait(false);
        if (_producer is { } producer)
            await producer.DisposeAsync().ConfigureAwait(false);
        if (_admin is { } admin)
            await admin.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _startLock.Dispose();
    }
}
