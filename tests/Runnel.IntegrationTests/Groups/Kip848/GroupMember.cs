using Confluent.Kafka;

namespace Runnel.IntegrationTests.Groups.Kip848;

/// <summary>
/// A Confluent.Kafka consumer with group.protocol=consumer (librdkafka's KIP-848 client) on a thread of its own, reporting
/// its assignments, revocations and deliveries to a <see cref="DeliveryHistory"/>. The callbacks never throw.
/// </summary>
internal sealed class GroupMember : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly IConsumer<string, string> _consumer;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GroupMember(string name, string bootstrap, string group, DeliveryHistory history, Action<IConsumer<string, string>> subscribe,
        string? instanceId = null, string? assignor = null)
    {
        Name = name;
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            GroupProtocol = GroupProtocol.Consumer,
            GroupInstanceId = instanceId,
            ClientId = name,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 200,
            TopicMetadataRefreshIntervalMs = 500,
        };
        if (assignor is not null)
            config.GroupRemoteAssignor = assignor;
        _consumer = new ConsumerBuilder<string, string>(config)
            .SetPartitionsAssignedHandler((_, partitions) => Safe(() => history.Assigned(name, partitions)))
            .SetPartitionsRevokedHandler((_, partitions) => Safe(() => history.Revoked(name, partitions)))
            .SetPartitionsLostHandler((_, partitions) => Safe(() => history.Revoked(name, partitions, "lost")))
            .SetErrorHandler((_, _) => { })
            .SetLogHandler((_, _) => { })
            .Build();
        subscribe(_consumer);
        _thread = new Thread(() =>
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    if (_consumer.Consume(TimeSpan.FromMilliseconds(50)) is { Message: not null } result)
                        history.Delivered(name, result);
                }
                // Leaves the group (ConsumerGroupHeartbeat with epoch -1) after revoking its partitions.
                _consumer.Close();
                _closed.TrySetResult();
            }
            catch (Exception e)
            {
                _closed.TrySetException(e);
            }
        })
        { IsBackground = true, Name = name };
        _thread.Start();
    }

    public string Name { get; }

    public string MemberId => _consumer.MemberId;

    private static void Safe(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"history callback failed: {e}");
        }
    }

    /// <summary>Stops consuming and leaves the group; completes once the client closed.</summary>
    public Task LeaveAsync()
    {
        _stop.Cancel();
        return _closed.Task;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(30));
        _consumer.Dispose();
        _stop.Dispose();
    }
}
