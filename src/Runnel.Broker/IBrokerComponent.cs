namespace Runnel.Broker;

/// <summary>
/// A part of a node that lives outside the broker library (the HTTP listener in Runnel.Http), started with the broker
/// and stopped with it. The composition root that starts the broker (the <c>runnel server</c> command, or a test)
/// passes the components to <see cref="RunnelBroker.StartAsync(Configuration.BrokerConfig, IReadOnlyList{IBrokerComponent}, Microsoft.Extensions.Logging.ILoggerFactory?, CancellationToken)"/>,
/// so the broker never depends on what they are built with.
/// </summary>
public interface IBrokerComponent : IAsyncDisposable
{
    /// <summary>Starts, once the broker serves clients. A throw fails the broker's start-up (and stops the broker).</summary>
    Task StartAsync(RunnelBroker broker, CancellationToken cancellationToken);
}
