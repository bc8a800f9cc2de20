using System.Collections.Immutable;

namespace Runnel.Metadata.Image;

/// <summary>A listener a broker registered: name, host, port and Kafka's security protocol id.</summary>
public sealed record BrokerEndpoint(string Name, string Host, int Port, short SecurityProtocol);

/// <summary>
/// A registered broker; fenced brokers lead nothing and are not offered to clients. One in controlled shutdown is
/// still served but gets no new leaderships, ISR places or replicas, until it registers again.
/// </summary>
public sealed record BrokerRegistration(int Id, long Epoch, Guid IncarnationId, ImmutableArray<BrokerEndpoint> Endpoints, string? Rack, bool Fenced)
{
    public bool InControlledShutdown { get; init; }

    /// <summary>Kafka's isActive: may lead and join ISRs.</summary>
    public bool IsActive => !Fenced && !InControlledShutdown;
}

/// <summary>The registered brokers and the producer-id blocks handed out.</summary>
public sealed record ClusterImage(ImmutableSortedDictionary<int, BrokerRegistration> Brokers, long NextProducerId)
{
    public static readonly ClusterImage Empty = new(ImmutableSortedDictionary<int, BrokerRegistration>.Empty, 0);

    public IEnumerable<BrokerRegistration> Unfenced => Brokers.Values.Where(b => !b.Fenced);

    /// <summary>Whether <paramref name="id"/> is a registered broker that is neither fenced nor shutting down.</summary>
    public bool IsActive(int id) => Brokers.GetValueOrDefault(id) is { IsActive: true };
}
