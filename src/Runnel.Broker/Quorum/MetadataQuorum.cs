using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Security;
using Runnel.Metadata.Control;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;
using Runnel.Net.Security;
using Runnel.Raft;
using Runnel.Raft.Log;
using Runnel.Raft.State;
using Runnel.Raft.Transport;
using Runnel.Storage;
using Runnel.Storage.IO;

namespace Runnel.Broker.Quorum;

/// <summary>
/// This node's member of the metadata quorum: the Raft node on its driver, its log and quorum state under
/// metadata.log.dir, the transport to the other voters, and the metadata loader and controller on top. A lone voter
/// (the single-node default) is the same code with nobody to talk to; a broker-only node is the same code as an
/// observer (its id is not a voter's), with a forwarder to the active controller instead of deciding itself.
/// </summary>
internal sealed class MetadataQuorum : IAsyncDisposable
{
    private readonly FileRaftLog _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ControllerChannel? _forwarding;
    private Task _fencing = Task.CompletedTask;
    private Task _rebalancing = Task.CompletedTask;

    private MetadataQuorum(FileRaftLog log, RaftDriver driver, RaftTransport transport, MetadataLoader loader, QuorumVoters voters, int nodeId,
        ConnectionSecurity controllerSecurity, ILogger logger, TimeProvider time)
    {
        Time = time;
        ControllerSecurity = controllerSecurity;
        _log = log;
        Driver = driver;
        Transport = transport;
        Loader = loader;
        Voters = voters;
        NodeId = nodeId;
        Controller = new QuorumController(driver, loader);
        if (!IsLoneVoter)
        {
            _forwarding = new ControllerChannel(nodeId, "forwarding", () => loader.LeaderId, voters, controllerSecurity, logger, time);
            Forwarder = new ControllerForwarder(this, _forwarding, logger, _stopping.Token);
        }
    }

    public int NodeId { get; }

    /// <summary>How this node secures its connections to controllers (the controller listener's protocol; <see cref="OutboundSecurity"/>).</summary>
    public ConnectionSecurity ControllerSecurity { get; }

    /// <summary>The clock of this node's quorum parts (the one the broker's services use).</summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// Waits until the quorum names a controller other than <paramref name="tried"/> (null: any), re-checked at every
    /// leader change and new image; false when none is named within <paramref name="wait"/>.
    /// </summary>
    public Task<bool> WaitForControllerChangeAsync(int? tried, TimeSpan wait, CancellationToken cancellation)
        => Loader.WaitUntilAsync(_ => Loader.LeaderId is { } id && Voters.Contains(id) && id != tried, wait, Time, cancellation);

    /// <summary>A voter of the quorum (a controller); otherwise an observer that follows it (a broker-only node).</summary>
    public bool IsVoter => Voters.Contains(NodeId);

    /// <summary>This node is the quorum's only voter (the single-node default): it leads at once and decides alone.</summary>
    public bool IsLoneVoter => IsVoter && Voters.Count == 1;

    /// <summary>On a controller: broker registrations, heartbeats and fencing.</summary>
    public BrokerLifecycleController? Lifecycle { get; private set; }

    /// <summary>
    /// Where admin changes go when this node is not the active controller (only that one may decide them): on every node
    /// but a lone voter, which is always the active controller.
    /// </summary>
    public ControllerForwarder? Forwarder { get; }

    public RaftDriver Driver { get; }

    public RaftTransport Transport { get; }

    public MetadataLoader Loader { get; }

    public QuorumController Controller { get; }

    public QuorumVoters Voters { get; }

    public static MetadataQuorum Start(BrokerConfig config, ILoggerFactory loggers, TimeProvider time)
    {
        var logger = loggers.CreateLogger("Runnel.Quorum");
        var storageLogger = loggers.CreateLogger("Runnel.Storage");
        var voters = config.QuorumVoters;
        var nodeId = config.NodeId;
        var raftConfig = new RaftConfig
        {
            // Only an explicit cluster.id is enforced between voters: without one each node invents its own.
            ClusterId = config.IsSet("cluster.id") ? config.GetString("cluster.id") : null,
            ElectionTimeoutMs = config.GetInt("controller.quorum.election.timeout.ms"),
            ElectionBackoffMaxMs = config.GetInt("controller.quorum.election.timeout.ms"),
            FetchTimeoutMs = config.GetInt("controller.quorum.fetch.timeout.ms"),
        };
        var directory = config.MetadataLogDir;
        var log = FileRaftLog.Open(directory, PhysicalFileSystem.Instance, (level, message) => storageLogger.Log(
            level == StorageLogLevel.Error ? LogLevel.Error : level == StorageLogLevel.Warning ? LogLevel.Warning : LogLevel.Information, "{Message}", message));
        try
        {
            var store = new FileQuorumStateStore(PhysicalFileSystem.Instance, directory);
            var loader = new MetadataLoader(nodeId, config.GetLong("metadata.log.max.record.bytes.between.snapshots"))
            {
                PublishFailed = e => logger.LogError(e, "Applying a metadata image failed"),
            };
            var controllerSecurity = OutboundSecurity.ToControllers(config, logger);
            var transport = new RaftTransport(nodeId, voters, logger, time, controllerSecurity);
            var driver = new RaftDriver(now => new RaftNode(nodeId, voters, raftConfig, log, store, transport, loader, now, new Random(), logger), time, logger);
            transport.Attach(driver);
            MetadataQuorum? quorum = null;
            driver.AfterStep = node =>
            {
                loader.SnapshotIfDue(node, time.GetUtcNow().ToUnixTimeMilliseconds());
                quorum?.CheckCaughtUp(node);
            };
            driver.Start();
            logger.LogInformation("Metadata quorum member {Id} of {Voters} started from {Directory}", nodeId, voters, directory);
            quorum = new MetadataQuorum(log, driver, transport, loader, voters, nodeId, controllerSecurity, logger, time);
            quorum.Policy = PolicyFor(config);
            if (config.IsController)
                quorum.StartLifecycle(config, logger);
            return quorum;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Serves broker registrations and heartbeats and fences brokers whose sessions expire. The broker of a lone voter
    /// (the single-node default) registers directly and lives exactly as long as the controller does, so its session
    /// never expires; every other broker, those of combined nodes in a larger quorum included, heartbeats.
    /// </summary>
    private void StartLifecycle(BrokerConfig config, ILogger logger)
    {
        var self = config.NodeId;
        var sessions = new BrokerHeartbeatManager(config.GetInt("broker.session.timeout.ms"), id => IsLoneVoter && id == self,
            config.GetLong("runnel.broker.connection.loss.grace.ms"));
        var clusterId = config.IsSet("cluster.id") ? config.GetString("cluster.id") : null;
        var time = Time;
        Lifecycle = new BrokerLifecycleController(Controller, sessions, clusterId, () => (long)time.GetElapsedTime(0).TotalMilliseconds, logger,
            Policy, time, Transport.IsRefusing,
            (broker, cancellation) => AddressProbe.RefusesConnectionsAsync(broker, TimeSpan.FromMilliseconds(sessions.ConnectionLossGraceMs), time, cancellation));
        _fencing = Task.Run(() => Lifecycle.RunFencingAsync(_stopping.Token));
        var rebalance = new LeaderRebalanceSettings(config.GetBool("auto.leader.rebalance.enable"),
            TimeSpan.FromSeconds(config.GetLong("leader.imbalance.check.interval.seconds")), config.GetInt("leader.imbalance.per.broker.percentage"));
        var rebalancer = new LeaderRebalancer(Controller, rebalance, time, logger);
        _rebalancing = Task.Run(() => rebalancer.RunAsync(_stopping.Token));
    }

    /// <summary>The controller's replication decisions' view of the configs (unclean leader election per topic).</summary>
    public ReplicationPolicy Policy { get; private set; } = ReplicationPolicy.Default;

    private static ReplicationPolicy PolicyFor(BrokerConfig config)
    {
        var fallback = config.GetBool("unclean.leader.election.enable");
        return new ReplicationPolicy((image, topic) =>
        {
            var value = image.Configs.For(ConfigResource.Topic(topic)).GetValueOrDefault("unclean.leader.election.enable")
                ?? image.Configs.For(ConfigResource.ClusterDefault).GetValueOrDefault("unclean.leader.election.enable");
            return value is null ? fallback : string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
        });
    }

    /// <summary>Adds a publisher, in line with the images: it gets the current image now, then every new one.</summary>
    public Task SubscribeAsync(IMetadataPublisher publisher) => Loader.SubscribeAsync(publisher);

    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The quorum's high watermark while this node follows (-1 while it leads or does not know it yet).</summary>
    private long _followerHighWatermark = -1;

    /// <summary>
    /// Waits until the committed metadata has been loaded: this node is the active controller, or follows with a known
    /// high watermark its published image has reached. Checked after every step of the quorum's loop and after every
    /// published image (the active controller's flag is set by the publishing thread), not polled.
    /// </summary>
    public async Task<bool> WaitForCatchUpAsync(TimeSpan timeout)
    {
        var published = Loader.WaitUntilAsync(_ => CheckCaughtUp(), timeout, Time);
        await Task.WhenAny(_caughtUp.Task, published).ConfigureAwait(false);
        return CheckCaughtUp();
    }

    /// <summary>On the quorum's loop, after every step.</summary>
    private void CheckCaughtUp(RaftNode node)
    {
        Volatile.Write(ref _followerHighWatermark, node.IsLeader ? -1 : node.HighWatermark);
        CheckCaughtUp();
    }

    private bool CheckCaughtUp()
    {
        if (_caughtUp.Task.IsCompleted)
            return true;
        var hw = Volatile.Read(ref _followerHighWatermark);
        if (Loader.IsActiveController || (hw >= 0 && Loader.Image.Offset + 1 >= hw))
            _caughtUp.TrySetResult();
        return _caughtUp.Task.IsCompleted;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _fencing.ConfigureAwait(false);
        await _rebalancing.ConfigureAwait(false);
        _stopping.Dispose();
        if (_forwarding is not null)
            await _forwarding.DisposeAsync().ConfigureAwait(false);
        await Driver.DisposeAsync().ConfigureAwait(false);
        await Transport.DisposeAsync().ConfigureAwait(false);
        Controller.Dispose();
        Loader.Dispose();
        _log.Dispose();
    }
}
