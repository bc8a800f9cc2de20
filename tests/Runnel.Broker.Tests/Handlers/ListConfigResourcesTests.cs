using System.Collections.Immutable;
using Runnel.Broker.Handlers;
using Runnel.Metadata.Image;

namespace Runnel.Broker.Tests.Handlers;

/// <summary>ListConfigResources lists what Kafka's handleListConfigResources lists, in its order.</summary>
public sealed class ListConfigResourcesTests
{
    // Brokers 1 and 2 have a PLAINTEXT endpoint, 3 only INTERNAL; topics b and a.
    private static readonly MetadataImage Cluster = Image(["b", "a"], Broker(2, "PLAINTEXT"), Broker(1, "PLAINTEXT"), Broker(3, "INTERNAL"));

    [Fact]
    public void Every_type_lists_brokers_as_loggers_then_as_brokers_then_topics()
    {
        var listed = ListConfigResourcesHandler.List(Cluster, [2, 4, 8, 16, 32], "PLAINTEXT").Select(r => (r.ResourceType, r.ResourceName));
        Assert.Equal([(8, "1"), (8, "2"), (4, "1"), (4, "2"), (2, "a"), (2, "b")], listed.Select(r => ((int)r.ResourceType, r.ResourceName)));
    }

    [Fact]
    public void A_filter_lists_only_its_types_and_client_metrics_has_none_here()
    {
        Assert.Equal(["a", "b"], ListConfigResourcesHandler.List(Cluster, [2, 2], "PLAINTEXT").Select(r => r.ResourceName));
        Assert.Empty(ListConfigResourcesHandler.List(Cluster, [16], "PLAINTEXT"));
        Assert.Equal(["3"], ListConfigResourcesHandler.List(Cluster, [4], "INTERNAL").Select(r => r.ResourceName));
    }

    private static BrokerRegistration Broker(int id, string listener)
        => new(id, 1, Guid.NewGuid(), [new BrokerEndpoint(listener, $"broker-{id}", 9092, 0)], null, Fenced: false);

    private static MetadataImage Image(string[] topicNames, params BrokerRegistration[] brokers)
    {
        var topics = TopicsImage.Empty;
        foreach (var name in topicNames)
        {
            var topic = new TopicImage(name, Guid.NewGuid(), ImmutableSortedDictionary<int, PartitionImage>.Empty);
            topics = new TopicsImage(topics.ById.Add(topic.Id, topic), topics.ByName.Add(name, topic));
        }
        return new MetadataImage(1, topics, ConfigsImage.Empty, new ClusterImage(brokers.ToImmutableSortedDictionary(b => b.Id, b => b), 0));
    }
}
