using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Producers;
using Runnel.Broker.Topics;
using Runnel.Metadata.Control;

namespace Runnel.Broker;

/// <summary>The broker's shared parts that handlers reach through their request context.</summary>
internal sealed class BrokerServices(BrokerConfig config, string clusterId, TopicManager topics, GroupCoordinator groups,
    Quorum.MetadataQuorum quorum, ILoggerFactory loggerFactory, TimeProvider time)
{
    public Quorum.MetadataQuorum Quorum { get; } = quorum;

    /// <summary>The first of controller.listener.names, as DescribeQuorum names the voters' listener.</summary>
    public string ControllerListenerName => Config.GetList("controller.listener.names") is [var first, ..] ? first : "CONTROLLER";

    /// <summary>
    /// The nodes to list as brokers in Metadata and DescribeCluster. A node with the broker role lists the registered,
    /// unfenced brokers at their endpoint for the client's listener, as Kafka's brokers do (itself alone until its
    /// registration is in its image); a controller-only node the voters at their controller endpoints (as Kafka's
    /// controllers answer DescribeCluster, KIP-919), so an admin client can find the active controller among them.
    /// </summary>
    public IEnumerable<(int Id, string Host, int Port)> ListedNodes(string listenerName)
    {
        if (!Config.IsBroker)
            return Quorum.Voters.Endpoints.Select(v => (v.Id, v.Host, v.Port));
        var alive = Quorum.Loader.Image.Cluster.Unfenced
            .SelectMany(b => b.Endpoints.Where(e => e.Name.Equals(listenerName, StringComparison.OrdinalIgnoreCase)).Take(1).Select(e => (b.Id, e.Host, e.Port)))
            .ToList();
        if (alive.Count > 0)
            return alive;
        var (host, port) = AdvertisedFor(listenerName);
        return [(NodeId, host, port)];
    }

    /// <summary>
    /// The controller id clients are told. Clients cannot reach the controllers of a KRaft cluster, so Kafka's brokers
    /// name a random alive broker, which forwards what needs the controller (KIP-590); every node with the broker role
    /// does the same. A controller-only node names the quorum leader; -1 while unknown.
    /// </summary>
    public int ControllerId
    {
        get
        {
            if (!Config.IsBroker)
                return Quorum.Loader.LeaderId ?? -1;
            var alive = Quorum.Loader.Image.Cluster.Unfenced.Select(b => b.Id).ToList();
            return alive.Count == 0 ? (Quorum.IsLoneVoter ? NodeId : -1) : alive[Random.Shared.Next(alive.Count)];
        }
    }

    public TopicManager Topics { get; } = topics;

    /// <summary>The authorizer <c>authorizer.class.name</c> configures; null (every request allowed) by default, as in Kafka.</summary>
    public Authorization.StandardAuthorizer? Authorizer { get; init; }

    /// <summary>Incremental fetch sessions (KIP-227).</summary>
    public FetchSessions.FetchSessionCache FetchSessions { get; } = new(config.GetInt("max.incremental.fetch.session.cache.slots"), time);

    /// <summary>Producer ids for InitProducerId, in blocks committed through the metadata quorum.</summary>
    public ProducerIdManager ProducerIds => LazyInitializer.EnsureInitialized(ref _producerIds, () => new ProducerIdManager(async cancellation =>
    {
        if (!Quorum.Loader.IsActiveController && Quorum.Forwarder is { } forwarder)
            return await forwarder.AllocateProducerIdsAsync(NodeId, cancellation).ConfigureAwait(false);
        var start = await Quorum.Controller.ExecuteAsync(image => ClusterControlManager.AllocateProducerIds(image, NodeId), cancellation).ConfigureAwait(false);
        return (start, start + ClusterControlManager.ProducerIdBlockSize);
    }));

    private ProducerIdManager? _producerIds;

    /// <summary>The group coordinator; set at start-up once the broker is registered (an error-only one before, and on controllers).</summary>
    public GroupCoordinator Groups { get; set; } = groups;

    /// <summary>The transaction coordinator; set at start-up on nodes with the broker role (null on controllers).</summary>
    public Transactions.TransactionCoordinator? Transactions { get; set; }

    /// <summary>
    /// Checks with a transaction's coordinator that a partition is in it (KIP-890); set with <see cref="Transactions"/>
    /// unless transaction.partition.verification.enable is false.
    /// </summary>
    public Transactions.TransactionVerifier? TransactionVerifier { get; set; }

    /// <summary>The broker's instruments (see <see cref="Metrics.BrokerMetrics"/>).</summary>
    public Metrics.BrokerMetrics Metrics { get; init; } = new();

    public BrokerConfig Config { get; } = config;

    public int NodeId { get; } = config.NodeId;

    public string ClusterId { get; } = clusterId;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    public TimeProvider Time { get; } = time;

    /// <summary>Client byte-rate quotas.</summary>
    public Quotas.BrokerQuotas Quotas { get; } = new(time);

    /// <summary>Set once at start-up, after the handlers exist (ApiVersions reads it).</summary>
    public HandlerRegistry Handlers { get; set; } = new([]);

    /// <summary>Where clients reach this node, per listener name; ports resolved after binding.</summary>
    public IReadOnlyDictionary<string, (string Host, int Port)> AdvertisedEndpoints { get; set; }
        = new Dictionary<string, (string Host, int Port)>();

    /// <summary>Where this node's listeners are bound, per listener name (ports resolved, wildcard hosts as configured).</summary>
    public IReadOnlyDictionary<string, (string Host, int Port)> BoundEndpoints { get; set; }
        = new Dictionary<string, (string Host, int Port)>();

    /// <summary>The endpoint to tell a client that came in on <paramref name="listenerName"/>.</summary>
    public (string Host, int Port) AdvertisedFor(string listenerName)
        => AdvertisedEndpoints.TryGetValue(listenerName, out var endpoint) ? endpoint : AdvertisedEndpoints.Values.First();
}
