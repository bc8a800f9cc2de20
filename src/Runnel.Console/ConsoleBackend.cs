using Runnel.Broker;
using Runnel.Broker.Groups.Lag;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Client.Consumer;
using Runnel.Client.Producer;

namespace Runnel.WebConsole;

/// <summary>
/// What the console's endpoints share: Kafka clients of this node's own client listener (an admin client and a
/// producer, made on first use; a consumer per browse or tail), and the lag window behind the STATUS column.
/// Going through the Kafka protocol rather than the broker's internals makes the console show the same on a single
/// node and in a cluster (requests go to the controller, the leaders and the coordinators like any client's), and the
/// same numbers as <c>runnel group describe</c>, whose code (<see cref="RunnelAdminClient.MeasureGroupLagAsync"/>) it uses.
/// </summary>
internal sealed class ConsoleBackend(RunnelBroker broker) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Group, TopicPartition Partition), long> _lastCommitted = [];
    private RunnelAdminClient? _admin;
    private RunnelProducer? _producer;

    /// <summary>The lag window of every group shown, fed as <c>runnel group lag --watch</c> feeds its own.</summary>
    public ConsumerLagEvaluator LagEvaluator { get; } = new(TimeProvider.System);

    public int NodeId => broker.NodeId;

    public string ClusterId => broker.ClusterId;

    public string Bootstrap => broker.BootstrapServers;

    public RunnelAdminClient Admin
    {
        get
        {
            lock (_lock)
                return _admin ??= new RunnelAdminClient(Options(new ClientOptions()));
        }
    }

    public RunnelProducer Producer
    {
        get
        {
            lock (_lock)
                return _producer ??= new RunnelProducer(Options(new ProducerOptions()));
        }
    }

    /// <summary>A group-less consumer of this node's listener; short fetch waits so a tail pushes records at once.</summary>
    public RunnelConsumer NewConsumer() => new(Options(new ConsumerOptions { EnableAutoCommit = false, FetchMaxWait = TimeSpan.FromMilliseconds(250) }));

    /// <summary>
    /// Counts an observation whose committed offset moved as a commit in the lag window (a commit that repeats its
    /// offset is invisible from outside the coordinator), as <c>runnel group lag --watch</c> does.
    /// </summary>
    public void Observe(string groupId, GroupPartitionLag row)
    {
        if (row.Committed < 0 || row.End < 0)
            return;
        lock (_lastCommitted)
        {
            if (_lastCommitted.GetValueOrDefault((groupId, row.Partition), -1) == row.Committed)
                return;
            _lastCommitted[(groupId, row.Partition)] = row.Committed;
        }
        LagEvaluator.RecordCommit(groupId, row.Partition.Topic, row.Partition.Partition, row.Committed, row.End);
    }

    private T Options<T>(T options)
        where T : ClientOptions
    {
        options.BootstrapServers = broker.BootstrapServers;
        options.ClientId = "runnel-console";
        return options;
    }

    public async ValueTask DisposeAsync()
    {
        RunnelAdminClient? admin;
        RunnelProducer? producer;
        lock (_lock)
        {
            (admin, producer) = (_admin, _producer);
            (_admin, _producer) = (null, null);
        }
        if (producer is not null)
            await producer.DisposeAsync().ConfigureAwait(false);
        if (admin is not null)
            await admin.DisposeAsync().ConfigureAwait(false);
    }
}
