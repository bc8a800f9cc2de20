using System.Collections.Immutable;
using Runnel.Broker.Groups;
using Runnel.Broker.Handlers;
using Runnel.Metadata.Image;
using Runnel.Protocol;

namespace Runnel.Broker.Tests.Handlers;

/// <summary>FindCoordinator names the leader of the group's __consumer_offsets partition, from the metadata image.</summary>
public sealed class FindCoordinatorTests
{
    // Partition 0 is led by broker 1, 1 by broker 2, 2 by the fenced broker 3, and 3 has no leader.
    private static readonly MetadataImage Placed = Image([1, 2, 3, -1], Broker(1), Broker(2), Broker(3, fenced: true));

    [Fact]
    public void A_group_is_coordinated_by_its_partition_leader_at_its_endpoint_for_the_clients_listener()
    {
        var found = FindCoordinatorHandler.GroupCoordinatorIn(Placed, GroupOn(1), "plaintext");
        Assert.Equal((ErrorCode.None, 2, "broker-2", 9092), (found.Error, found.NodeId, found.Host, found.Port));
        Assert.Equal(1, FindCoordinatorHandler.GroupCoordinatorIn(Placed, GroupOn(0), "PLAINTEXT").NodeId);
    }

    [Theory]
    [InlineData(2, "PLAINTEXT")] // the leader is fenced
    [InlineData(3, "PLAINTEXT")] // no leader
    [InlineData(0, "INTERNAL")] // the leader has no endpoint for this listener
    public void Without_a_reachable_leader_the_coordinator_is_not_available(int partition, string listener)
    {
        var found = FindCoordinatorHandler.GroupCoordinatorIn(Placed, GroupOn(partition), listener);
        Assert.Equal((ErrorCode.CoordinatorNotAvailable, -1, "", -1), (found.Error, found.NodeId, found.Host, found.Port));
    }

    [Fact]
    public void Before_the_offsets_topic_exists_the_coordinator_is_not_available()
        => Assert.Equal(ErrorCode.CoordinatorNotAvailable, FindCoordinatorHandler.GroupCoordinatorIn(MetadataImage.Empty, "g", "PLAINTEXT").Error);

    private static string GroupOn(int partition)
        => Enumerable.Range(0, 1000).Select(i => $"group-{i}").First(id => GroupCoordinator.PartitionFor(id, 4) == partition);

    private static BrokerRegistration Broker(int id, bool fenced = false)
        => new(id, 1, Guid.NewGuid(), [new BrokerEndpoint("PLAINTEXT", $"broker-{id}", 9090 + id, 0)], null, fenced);

    private static MetadataImage Image(int[] leaders, params BrokerRegistration[] brokers)
    {
        var id = Guid.NewGuid();
        var partitions = leaders.Select((leader, i) => new PartitionImage(i, [1, 2, 3], [1, 2, 3], leader, 5, 7)).ToImmutableSortedDictionary(p => p.Id, p => p);
        var topic = new TopicImage(OffsetsTopicStore.TopicName, id, partitions);
        var topics = new TopicsImage(ImmutableDictionary<Guid, TopicImage>.Empty.Add(id, topic), TopicsImage.Empty.ByName.Add(topic.Name, topic));
        return new MetadataImage(10, topics, ConfigsImage.Empty, new ClusterImage(brokers.ToImmutableSortedDictionary(b => b.Id, b => b), 0));
    }
}
