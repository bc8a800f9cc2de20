using Runnel.Metadata.Image;

namespace Runnel.Broker.Handlers;

/// <summary>
/// KIP-951: with NOT_LEADER_OR_FOLLOWER (and, in Fetch, FENCED_LEADER_EPOCH), Produce v10+ and Fetch v16+ tell the
/// client the partition's current leader and epoch, and the leader's endpoint when it is an unfenced broker with the
/// client's listener, so the client need not refresh its metadata first.
/// </summary>
internal static class LeaderHints
{
    public readonly record struct Hint(int LeaderId, int LeaderEpoch, int NodeId, string? Host, int Port);

    /// <summary>The leader the metadata names (-1, -1 for an unknown partition), with its endpoint when it can be offered.</summary>
    public static Hint For(BrokerServices broker, Guid topicId, int partition, string listenerName)
    {
        var image = broker.Quorum.Loader.Image;
        if (image.Topics.Find(topicId)?.Partitions.GetValueOrDefault(partition) is not { } placed)
            return new Hint(-1, -1, -1, null, 0);
        var endpoint = image.Cluster.Brokers.GetValueOrDefault(placed.Leader) is { Fenced: false } leader
            ? EndpointFor(leader, listenerName)
            : null;
        return new Hint(placed.Leader, placed.LeaderEpoch, endpoint is null ? -1 : placed.Leader, endpoint?.Host, endpoint?.Port ?? 0);
    }

    private static BrokerEndpoint? EndpointFor(BrokerRegistration broker, string listenerName)
        => broker.Endpoints.FirstOrDefault(e => e.Name.Equals(listenerName, StringComparison.OrdinalIgnoreCase));
}
