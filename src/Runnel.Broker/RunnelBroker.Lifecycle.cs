using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Broker.Configuration;
using Runnel.Broker.Groups;
using Runnel.Broker.Handlers;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Quorum;
using Runnel.Broker.Topics;
using Runnel.Broker.Transport;

namespace Runnel.Broker;

/// <summary>Start-up and shutdown.</summary>
public sealed partial class RunnelBroker
{
    /// <summary>
    /// Starts a broker: opens (and recovers) the data directories, binds the listeners, and serves until stopped.
    /// Throws <see cref="ConfigException"/> for a config it cannot run with, and SocketException when a port is taken.
    /// </summary>
    public static async Task<RunnelBroker> StartAsync(BrokerConfig config, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("Runnel.Broker");
        foreach (var warning in config.Warnings)
            logger.LogWarning("{Warning}", warning);
        if (config.IsBroker && config.ClientListeners.Count == 0)
            throw new ConfigException("listeners", "no client listener (every listener is a controller listener)");

        var directoryLock = DataDirectoryLock.Acquire(config.LogDirs);
        MetaProperties meta;
        MetadataQuorum quorum;
        try
        {
            meta = MetaProperties.LoadOrCreate(config.LogDirs, config.NodeId, config.GetString("cluster.id"));
            quorum = MetadataQuorum.Start(config, loggerFactory);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
        TopicManager topics;
        var replicas = new Replication.ReplicaManager(config, quorum, TimeProvider.System, loggerFactory);
        try
        {
            await LoadMetadataAsync(config, quorum, logger, cancellationToken).ConfigureAwait(false);
            topics = new TopicManager(config, loggerFactory, quorum, replicas, TimeProvider.System, quorum.Loader.Image);
            await quorum.SubscribeAsync(topics).ConfigureAwait(false);
            replicas.Start();
        }
        catch
        {
            await replicas.DisposeAsync().ConfigureAwait(false);
            await quorum.DisposeAsync().ConfigureAwait(false);
            directoryLock.Dispose();
            throw;
        }

        var listeners = new List<SocketListener>();
        BrokerLifecycleManager? lifecycle = null;
        GroupCoordinator groups;
        Dictionary<string, (string Host, int Port)> advertised;
        try
        {
            foreach (var address in config.Listeners)
                listeners.Add(SocketListener.Bind(address, logger));
            advertised = config.AdvertisedListeners.ToDictionary(
                a => a.Name,
                a => (a.Host.Length == 0 ? System.Net.Dns.GetHostName() : a.Host,
                      a.Port != 0 ? a.Port : listeners.First(l => l.Address.Name == a.Name).BoundPort));
            // Registered (and, on a broker-only node, unfenced) before anything is placed: new partitions go to
            // registered brokers, so __consumer_offsets below lands on this one.
            if (config.IsBroker && quorum.IsLoneVoter)
                await RegisterAsync(config, quorum, advertised, logger).ConfigureAwait(false);
            else if (config.IsBrokerOnly)
                lifecycle = await JoinClusterAsync(config, quorum, meta.ClusterId, advertised, logger, cancellationToken).ConfigureAwait(false);
            // Groups live on brokers; a controller-only node (and, for now, a combined node in a quorum of several
            // voters) answers group requests with an error.
            groups = config.IsBroker && (quorum.IsLoneVoter || config.IsBrokerOnly)
                ? GroupCoordinator.Start(config, topics, loggerFactory, TimeProvider.System)
                : new GroupCoordinator(GroupCoordinatorConfig.From(config), new NoGroupStore(), TimeProvider.System, logger, (_, _) => false);
        }
        catch
        {
            if (lifecycle is not null)
                await lifecycle.ShutdownAsync().ConfigureAwait(false);
            lifecycle?.Dispose();
            foreach (var bound in listeners)
                await bound.DisposeAsync().ConfigureAwait(false);
            await replicas.DisposeAsync().ConfigureAwait(false);
            await quorum.DisposeAsync().ConfigureAwait(false);
            topics.Logs.Dispose();
            directoryLock.Dispose();
            throw;
        }
        var services = new BrokerServices(config, meta.ClusterId, topics, groups, quorum, loggerFactory, TimeProvider.System) { AdvertisedEndpoints = advertised };
        services.Handlers = new HandlerRegistry([.. BrokerHandlers.Create(),
            .. config.IsController ? [.. BrokerHandlers.Quorum(), .. BrokerHandlers.ProducerIds()] : BrokerHandlers.Observer()]);
        var pipeline = new RequestPipeline(services.Handlers, services, logger);

        var broker = new RunnelBroker(services, listeners, pipeline, logger) { _directoryLock = directoryLock, _lifecycle = lifecycle };
        foreach (var listener in listeners)
            broker._background.Add(listener.AcceptAllAsync(broker.Accept, broker._stopping.Token));
        broker._background.Add(broker.SweepIdleConnectionsAsync(broker._stopping.Token));
        broker._background.Add(broker.RunLogMaintenanceAsync(broker._stopping.Token));
        if (config.GetBool("log.cleaner.enable"))
            broker._background.Add(Task.Run(() => broker.RunCompactionAsync(broker._stopping.Token), CancellationToken.None));
        broker._background.Add(groups.RunRetentionAsync(broker._stopping.Token));
        foreach (var listener in listeners)
            logger.LogInformation("Listening on {Endpoints} ({Listener})", string.Join(", ", listener.BoundEndpoints), listener.Address.Name);
        logger.LogInformation("Runnel node {NodeId} of cluster {ClusterId} started; clients bootstrap from {Bootstrap}",
            services.NodeId, services.ClusterId, broker.BootstrapServers);
        cancellationToken.ThrowIfCancellationRequested();
        return broker;
    }

    /// <summary>Retention, time-based flushes and recovery-point checkpoints, once a second.</summary>
    private async Task RunLogMaintenanceAsync(CancellationToken stopping)
    {
        try
        {
            await _services.Topics.Logs.RunMaintenanceLoopAsync(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Compaction of compacted topics, every log.cleaner.backoff.ms, off the request threads.</summary>
    private async Task RunCompactionAsync(CancellationToken stopping)
    {
        var backoff = TimeSpan.FromMilliseconds(Math.Max(_services.Config.GetLong("log.cleaner.backoff.ms"), 10));
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _services.Topics.Logs.RunCompactionLoopAsync(backoff, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // A failed pass must not end compaction for good; the next pass starts from the log's state.
                _logger.LogError(e, "Compaction pass failed");
            }
        }
    }

    /// <summary>Stops accepting, closes connections, and flushes and closes the logs. Safe to call more than once.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) != 0)
        {
            await _stopped.Task.ConfigureAwait(false);
            return;
        }
        _logger.LogInformation("Runnel node {NodeId} stopping", NodeId);
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var listener in _listeners)
            await listener.DisposeAsync().ConfigureAwait(false);
        foreach (var connection in _connections.Values)
            await connection.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_background).ConfigureAwait(false);
        _services.Groups.Dispose();
        if (_lifecycle is not null)
        {
            await _lifecycle.ShutdownAsync().ConfigureAwait(false);
            _lifecycle.Dispose();
        }
        // Fetchers first (nothing appends as a follower any more), then the quorum (a leader resigns, and nothing
        // publishes into the logs any more), then the logs: closing them flushes them and leaves the clean-shutdown
        // marker that makes the next start fast.
        await _services.Topics.Replicas.DisposeAsync().ConfigureAwait(false);
        await _services.Quorum.DisposeAsync().ConfigureAwait(false);
        _services.Topics.Logs.Dispose();
        _directoryLock?.Dispose();
        _stopping.Dispose();
        _logger.LogInformation("Runnel node {NodeId} stopped", NodeId);
        _stopped.TrySetResult();
    }
}
