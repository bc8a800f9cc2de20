using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Broker.Configuration;
using Runnel.Broker.Groups;
using Runnel.Broker.Handlers;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Quorum;
using Runnel.Broker.Topics;
using Runnel.Broker.Transactions;
using Runnel.Broker.Transport;

namespace Runnel.Broker;

/// <summary>Start-up and shutdown.</summary>
public sealed partial class RunnelBroker
{
    /// <summary>
    /// Starts a node with the roles process.roles gives it, composed here in order: the metadata quorum, the partitions
    /// the metadata says this node hosts (logs opened and recovered, leading or following), the listeners, quorum traffic
    /// on the controller listeners, the broker's registration with the controller, the group and transaction coordinators, and finally
    /// the client listeners. Throws <see cref="ConfigException"/> for a config it cannot run with, and SocketException
    /// when a port is taken.
    /// </summary>
    public static Task<RunnelBroker> StartAsync(BrokerConfig config, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
        => StartAsync(config, [], loggerFactory, cancellationToken);

    /// <summary>
    /// Starts a node as <see cref="StartAsync(BrokerConfig, ILoggerFactory?, CancellationToken)"/> does, then
    /// <paramref name="components"/> in order once it serves clients; they are stopped, in reverse order, before the broker.
    /// </summary>
    public static async Task<RunnelBroker> StartAsync(BrokerConfig config, IReadOnlyList<IBrokerComponent> components, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var time = TimeProvider.System;
        var logger = loggerFactory.CreateLogger("Runnel.Broker");
        foreach (var warning in config.Warnings)
            logger.LogWarning("{Warning}", warning);
        if (config.IsBroker && config.ClientListeners.Count == 0)
            throw new ConfigException("listeners", "no client listener (every listener is a controller listener)");
        // TLS key stores and SASL users are read before anything opens, so a bad setting fails start-up at once.
        var security = config.Listeners.ToDictionary(l => l.Name, l => Security.ListenerSecurity.Load(config, l.Name), StringComparer.Ordinal);

        var directoryLock = DataDirectoryLock.Acquire(config.LogDirs);
        MetaProperties meta;
        MetadataQuorum quorum;
        try
        {
            meta = MetaProperties.LoadOrCreate(config.LogDirs, config.NodeId, config.GetString("cluster.id"));
            quorum = MetadataQuorum.Start(config, loggerFactory, time);
            var stored = new Security.StoredScramCredentials(() => quorum.Loader.Image);
            security = security.ToDictionary(s => s.Key, s => s.Value with { StoredScram = stored }, StringComparer.Ordinal);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
        TopicManager topics;
        var metrics = new Metrics.BrokerMetrics();
        var replicas = new Replication.ReplicaManager(config, quorum, time, loggerFactory);
        var listeners = new List<SocketListener>();
        try
        {
            await LoadMetadataAsync(config, quorum, logger, cancellationToken).ConfigureAwait(false);
            topics = new TopicManager(config, loggerFactory, quorum, replicas, time, quorum.Loader.Image, metrics);
        }
        catch
        {
            await replicas.DisposeAsync().ConfigureAwait(false);
            await quorum.DisposeAsync().ConfigureAwait(false);
            directoryLock.Dispose();
            metrics.Dispose();
            throw;
        }
        RunnelBroker? broker = null;
        try
        {
            await quorum.SubscribeAsync(topics).ConfigureAwait(false);
            replicas.Start();
            foreach (var address in config.Listeners)
                listeners.Add(SocketListener.Bind(address, logger));
            var advertised = config.AdvertisedListeners.ToDictionary(
                a => a.Name,
                a => (a.Host.Length == 0 ? System.Net.Dns.GetHostName() : a.Host,
                      a.Port != 0 ? a.Port : listeners.First(l => l.Address.Name == a.Name).BoundPort));
            var services = new BrokerServices(config, meta.ClusterId, topics, NoGroups(config, logger, time), quorum, loggerFactory, time)
            {
                Metrics = metrics,
                AdvertisedEndpoints = advertised,
                Authorizer = Authorization.StandardAuthorizer.FromConfig(config, () => quorum.Loader.Image.Acls),
                BoundEndpoints = listeners.ToDictionary(l => l.Address.Name, l => (l.Address.Host, l.BoundPort)),
            };
            services.Handlers = new HandlerRegistry([.. BrokerHandlers.Create(), .. BrokerHandlers.ProducerIds(),
                .. config.IsController ? BrokerHandlers.Quorum() : BrokerHandlers.Observer()]);
            broker = new RunnelBroker(services, listeners, new RequestPipeline(services.Handlers, services, logger), logger) { _directoryLock = directoryLock, _security = security };
            var lag = new Groups.Lag.ConsumerLagMonitor(topics, time);
            Metrics.BrokerGauges.Register(metrics.Meter, services, lag, () => broker._connections.Values.Select(c => c.Info.ListenerName));

            // The quorum's traffic first: a combined node cannot register before a quorum leader exists, and the leader
            // is elected over these listeners.
            var clientListeners = listeners.Where(l => config.ClientListeners.Any(c => c.Name == l.Address.Name)).ToList();
            foreach (var listener in listeners.Except(clientListeners))
                broker._background.Add(listener.AcceptAllAsync(broker._connectionQuotas, broker.Accept, broker._stopping.Token));

            // Registered (and, when heartbeating, unfenced) before anything is placed: new partitions go to registered
            // brokers, so __consumer_offsets below can land on this one. The broker role of a lone voter registers
            // itself directly; every other broker (broker-only, or combined in a quorum of several) registers with the
            // active controller and heartbeats.
            if (config.IsBroker && quorum.IsLoneVoter)
                await RegisterAsync(config, quorum, advertised, logger).ConfigureAwait(false);
            else if (config.IsBroker)
                broker._lifecycle = await JoinClusterAsync(config, quorum, meta.ClusterId, advertised, logger, cancellationToken).ConfigureAwait(false);
            // Groups live on brokers; a controller-only node answers group requests with an error.
            if (config.IsBroker)
            {
                services.Groups = await GroupCoordinator.StartAsync(config, topics, quorum, loggerFactory, time).ConfigureAwait(false);
                services.Groups.OffsetCommitted = lag.OnCommitted;
                services.Groups.Rebalanced = metrics.Rebalanced;
                broker._interBroker = new InterBrokerConnections(replicas.FetcherSettings.ListenerName, replicas.FetcherSettings.Security, $"runnel-broker-{config.NodeId}", time);
                var markers = new TransactionMarkerSender(quorum, broker._interBroker, time, loggerFactory.CreateLogger("Runnel.Transactions"));
                services.Transactions = TransactionCoordinator.Start(config, topics, quorum, markers, services.ProducerIds.NextAsync, loggerFactory, time);
                if (config.GetBool("transaction.partition.verification.enable"))
                    services.TransactionVerifier = new TransactionVerifier(quorum, broker._interBroker, () => services.Transactions, config.NodeId,
                        replicas.FetcherSettings.ListenerName);
                broker._background.Add(services.Transactions.RunAsync(broker._stopping.Token));
            }

            foreach (var listener in clientListeners)
                broker._background.Add(listener.AcceptAllAsync(broker._connectionQuotas, broker.Accept, broker._stopping.Token));
            broker._background.Add(broker.SweepIdleConnectionsAsync(broker._stopping.Token));
            broker._background.Add(broker.RunLogMaintenanceAsync(broker._stopping.Token));
            if (config.GetBool("log.cleaner.enable"))
                broker._background.Add(Task.Run(() => broker.RunCompactionAsync(broker._stopping.Token), CancellationToken.None));
            broker._background.Add(services.Groups.RunRetentionAsync(broker._stopping.Token));
            foreach (var listener in listeners)
                logger.LogInformation("Listening on {Endpoints} ({Listener})", string.Join(", ", listener.BoundEndpoints), listener.Address.Name);
            logger.LogInformation("Runnel node {NodeId} of cluster {ClusterId} started; clients bootstrap from {Bootstrap}",
                services.NodeId, services.ClusterId, broker.BootstrapServers);
            cancellationToken.ThrowIfCancellationRequested();
            Volatile.Write(ref broker._serving, true);
            foreach (var component in components)
            {
                broker._components.Add(component);
                await component.StartAsync(broker, cancellationToken).ConfigureAwait(false);
            }
            return broker;
        }
        catch
        {
            if (broker is not null)
            {
                await broker.StopAsync().ConfigureAwait(false);
            }
            else
            {
                foreach (var bound in listeners)
                    await bound.DisposeAsync().ConfigureAwait(false);
                await replicas.DisposeAsync().ConfigureAwait(false);
                await quorum.DisposeAsync().ConfigureAwait(false);
                topics.Logs.Dispose();
                directoryLock.Dispose();
                metrics.Dispose();
            }
            throw;
        }
    }

    /// <summary>The coordinator of a node that runs no groups (yet): every group request gets an error.</summary>
    private static GroupCoordinator NoGroups(BrokerConfig config, ILogger logger, TimeProvider time)
        => new(GroupCoordinatorConfig.From(config), new NoGroupStore(), time, logger, (_, _) => false);

    /// <summary>Time-based flushes and recovery-point checkpoints once a second; retention every log.retention.check.interval.ms.</summary>
    private async Task RunLogMaintenanceAsync(CancellationToken stopping)
    {
        try
        {
            await _services.Topics.Logs.RunMaintenanceLoopAsync(TimeSpan.FromSeconds(1),
                TimeSpan.FromMilliseconds(_services.Config.GetLong("log.retention.check.interval.ms")), stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Compaction of compacted topics, every log.cleaner.backoff.ms (as in force at each pass), off the request threads.</summary>
    private async Task RunCompactionAsync(CancellationToken stopping)
    {
        TimeSpan Backoff() => TimeSpan.FromMilliseconds(Math.Max(long.Parse(_services.Topics.BrokerValue("log.cleaner.backoff.ms")!, System.Globalization.CultureInfo.InvariantCulture), 10));
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _services.Topics.Logs.RunCompactionLoopAsync(Backoff, stopping).ConfigureAwait(false);
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
        Volatile.Write(ref _serving, false);
        // Components first (the HTTP listener answers /ready with 503 from now on and then closes), in reverse order.
        for (var i = _components.Count - 1; i >= 0; i--)
        {
            try
            {
                await _components[i].DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Stopping {Component} failed", _components[i].GetType().Name);
            }
        }
        // Controlled shutdown first, while this node still serves: its leaderships move to other replicas, so clients
        // and followers carry on without waiting for a session to expire.
        if (_lifecycle is not null)
        {
            await _lifecycle.ShutdownAsync(controlled: Config.GetBool("controlled.shutdown.enable")).ConfigureAwait(false);
            _lifecycle.Dispose();
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var listener in _listeners)
            await listener.DisposeAsync().ConfigureAwait(false);
        foreach (var connection in _connections.Values)
            await connection.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_background).ConfigureAwait(false);
        _services.Groups.Dispose();
        _services.Transactions?.Dispose();
        if (_interBroker is not null)
            await _interBroker.DisposeAsync().ConfigureAwait(false);
        // Fetchers first (nothing appends as a follower any more), then the quorum (a leader resigns, and nothing
        // publishes into the logs any more), then the logs: closing them flushes them and leaves the clean-shutdown
        // marker that makes the next start fast.
        await _services.Topics.Replicas.DisposeAsync().ConfigureAwait(false);
        await _services.Quorum.DisposeAsync().ConfigureAwait(false);
        _services.Topics.Logs.Dispose();
        _directoryLock?.Dispose();
        _services.Metrics.Dispose();
        _stopping.Dispose();
        _logger.LogInformation("Runnel node {NodeId} stopped", NodeId);
        _stopped.TrySetResult();
    }
}
