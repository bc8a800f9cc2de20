using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Quorum;
using Runnel.Metadata.Control;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;
using Runnel.Protocol.Messages;

namespace Runnel.Broker;

/// <summary>Start-up steps between this node and the metadata quorum: loading the image, and registering as a broker.</summary>
public sealed partial class RunnelBroker
{
    /// <summary>
    /// Waits until the committed metadata is loaded where that can be known before serving. A lone voter leads at once
    /// (then a pre-quorum data directory is imported); any other node with the broker role follows (or leads) the
    /// quorum and waits for it within initial.broker.registration.timeout.ms. A controller-only node in a quorum of
    /// several does not wait: its leader may not be up yet, and the topics arrive as the log is replicated.
    /// </summary>
    private static async Task LoadMetadataAsync(BrokerConfig config, MetadataQuorum quorum, ILogger logger, CancellationToken cancellation)
    {
        if (quorum.IsLoneVoter)
        {
            if (!await quorum.WaitForCatchUpAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false))
                throw new InvalidOperationException("The metadata quorum did not load within 30 seconds.");
            await LegacyMetadataImport.ImportAsync(config, quorum, logger).ConfigureAwait(false);
        }
        else if (config.IsBrokerOnly)
        {
            var timeout = RegistrationTimeout(config);
            logger.LogInformation("Broker {NodeId} follows the metadata quorum {Voters}", config.NodeId, quorum.Voters);
            if (!await quorum.WaitForCatchUpAsync(timeout).WaitAsync(cancellation).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"No leader of the metadata quorum {quorum.Voters} was reached within {timeout.TotalMilliseconds} ms "
                    + "(initial.broker.registration.timeout.ms).");
            }
        }
    }

    /// <summary>
    /// Records this broker in the metadata (RegisterBrokerRecord, a new epoch per start) with its client endpoints, so
    /// replica placement and the image know it. Only where this node is the controller (the single-node default).
    /// </summary>
    private static async Task RegisterAsync(BrokerConfig config, MetadataQuorum quorum, IReadOnlyDictionary<string, (string Host, int Port)> advertised, ILogger logger)
    {
        var endpoints = config.ClientListeners.Select(l =>
        {
            var (host, port) = AdvertisedFor(advertised, l.Name);
            return new BrokerEndpoint(l.Name, host, port, SecurityProtocol: (short)config.SecurityProtocolOf(l.Name));
        }).ToList();
        try
        {
            var epoch = await quorum.Controller.ExecuteAsync(image => ClusterControlManager.Register(
                image, config.NodeId, Guid.NewGuid(), endpoints, rack: null, fenced: false)).ConfigureAwait(false);
            logger.LogInformation("Registered broker {NodeId} in the metadata with epoch {Epoch}", config.NodeId, epoch);
        }
        catch (Exception e) when (e is NotControllerException or TimeoutException)
        {
            logger.LogWarning("Broker {NodeId} could not register in the metadata: {Message}", config.NodeId, e.Message);
        }
    }

    /// <summary>
    /// A broker-only node registers with the active controller and heartbeats until it is unfenced, as Kafka's broker
    /// does before it serves; it then keeps heartbeating for its life. Fails start-up after
    /// initial.broker.registration.timeout.ms.
    /// </summary>
    private static async Task<BrokerLifecycleManager> JoinClusterAsync(BrokerConfig config, MetadataQuorum quorum, string clusterId,
        IReadOnlyDictionary<string, (string Host, int Port)> advertised, ILogger logger, CancellationToken cancellation)
    {
        var listeners = config.ClientListeners.Select(l =>
        {
            var (host, port) = AdvertisedFor(advertised, l.Name);
            return new BrokerRegistrationRequest.Listener { Name = l.Name, Host = host, Port = (ushort)port, SecurityProtocol = (short)config.SecurityProtocolOf(l.Name) };
        });
        // An explicit cluster.id is what the controllers check; without one each node invented its own.
        var registeredClusterId = config.IsSet("cluster.id") ? config.GetString("cluster.id")! : clusterId;
        var lifecycle = new BrokerLifecycleManager(quorum, config.NodeId, registeredClusterId, listeners,
            TimeSpan.FromMilliseconds(config.GetInt("broker.heartbeat.interval.ms")), logger, config.GetString("broker.rack"));
        lifecycle.Start();
        var timeout = RegistrationTimeout(config);
        try
        {
            await lifecycle.WaitForUnfencedAsync(timeout, cancellation).ConfigureAwait(false);
            // The controller answered once the unfencing was committed; this node lists brokers from its own image,
            // so it serves only once that image holds it too.
            await quorum.Loader.WaitUntilAsync(image => image.Cluster.Brokers.GetValueOrDefault(config.NodeId) is { Fenced: false }, timeout,
                quorum.Time, cancellation).ConfigureAwait(false);
            return lifecycle;
        }
        catch (Exception e)
        {
            await lifecycle.ShutdownAsync().ConfigureAwait(false);
            lifecycle.Dispose();
            if (e is TimeoutException)
                throw new InvalidOperationException($"Broker {config.NodeId} was not registered and unfenced by the controllers {quorum.Voters} within {timeout.TotalMilliseconds} ms (initial.broker.registration.timeout.ms).", e);
            throw;
        }
    }

    private static TimeSpan RegistrationTimeout(BrokerConfig config) => TimeSpan.FromMilliseconds(config.GetInt("initial.broker.registration.timeout.ms"));

    private static (string Host, int Port) AdvertisedFor(IReadOnlyDictionary<string, (string Host, int Port)> advertised, string listenerName)
        => advertised.TryGetValue(listenerName, out var endpoint) ? endpoint : advertised.Values.First();
}
