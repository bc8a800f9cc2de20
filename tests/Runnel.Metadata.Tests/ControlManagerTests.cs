using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Tests;

public sealed class ControlManagerTests
{
    /// <summary>An image with brokers 1, 2 and 3 registered and unfenced.</summary>
    internal static readonly MetadataImage ThreeBrokers = ImageTests.Replay(MetadataImage.Empty, Register(1), Register(2), Register(3));

    internal static RegisterBrokerRecord Register(int id, string? rack = null, bool fenced = false) => new()
    {
        BrokerId = id,
        BrokerEpoch = 1,
        IncarnationId = Guid.NewGuid(),
        EndPoints = [new() { Name = "PLAINTEXT", Host = $"b{id}", Port = 9092 }],
        Rack = rack,
        Fenced = fenced,
    };
    private static readonly Dictionary<string, string> NoConfigs = [];

    private static MetadataImage Commit<T>(MetadataImage image, ControllerResult<T> result) => ImageTests.Replay(image, [.. result.Records]);

    [Fact]
    public void A_new_topic_is_one_topic_record_its_partitions_and_its_configs()
    {
        var id = Guid.NewGuid();
        var result = ReplicationControlManager.CreateTopic(ThreeBrokers, new NewTopic("orders", 4, 2, new Dictionary<string, string> { ["retention.ms"] = "9" }), () => id);
        Assert.True(result.Response.Error.Succeeded);
        Assert.Equal(id, result.Response.TopicId);
        Assert.Equal(1 + 4 + 1, result.Records.Count);
        var image = Commit(ThreeBrokers, result);
        var topic = image.Topics.Find("orders")!;
        Assert.All(topic.Partitions.Values, p => Assert.Equal(2, p.Replicas.Length));
        Assert.Equal([1, 2, 3, 1], topic.Partitions.Values.Select(p => p.Leader));
        Assert.Equal("9", image.Configs.For(ConfigResource.Topic("orders"))["retention.ms"]);
    }

    [Theory]
    [InlineData("orders", 1, 1, ErrorCode.TopicAlreadyExists)]
    [InlineData("or_ders", 1, 1, ErrorCode.InvalidTopicException)]
    [InlineData("other", 1, 4, ErrorCode.InvalidReplicationFactor)]
    [InlineData("other", 0, 1, ErrorCode.InvalidPartitions)]
    public void Creations_the_cluster_cannot_take_are_refused_without_records(string name, int partitions, short factor, ErrorCode error)
    {
        var image = Commit(ThreeBrokers, ReplicationControlManager.CreateTopic(ThreeBrokers, new NewTopic("or.ders", 1, 1, NoConfigs), Guid.NewGuid));
        image = Commit(image, ReplicationControlManager.CreateTopic(image, new NewTopic("orders", 1, 1, NoConfigs), Guid.NewGuid));
        var result = ReplicationControlManager.CreateTopic(image, new NewTopic(name, partitions, factor, NoConfigs), Guid.NewGuid);
        Assert.Equal(error, result.Response.Error.Error);
        Assert.Empty(result.Records);
    }

    [Fact]
    public void Explicit_assignments_must_name_distinct_known_brokers()
    {
        var bad = ReplicationControlManager.CreateTopic(ThreeBrokers, new NewTopic("t", -1, -1, NoConfigs, [[1, 1]]), Guid.NewGuid);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, bad.Response.Error.Error);
        var good = ReplicationControlManager.CreateTopic(ThreeBrokers, new NewTopic("t", -1, -1, NoConfigs, [[3, 1], [2]]), Guid.NewGuid);
        Assert.Equal([3, 2], Commit(ThreeBrokers, good).Topics.Find("t")!.Partitions.Values.Select(p => p.Leader));
    }

    [Fact]
    public void Partitions_only_grow_and_topics_are_deleted_by_id()
    {
        var image = Commit(ThreeBrokers, ReplicationControlManager.CreateTopic(ThreeBrokers, new NewTopic("t", 2, 1, NoConfigs), Guid.NewGuid));
        Assert.Equal(ErrorCode.InvalidPartitions, ReplicationControlManager.CreatePartitions(image, "t", 2).Response.Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, ReplicationControlManager.CreatePartitions(image, "x", 3).Response.Error);
        image = Commit(image, ReplicationControlManager.CreatePartitions(image, "t", 5));
        Assert.Equal(5, image.Topics.Find("t")!.PartitionCount);
        var delete = ReplicationControlManager.DeleteTopic(image, "t");
        Assert.IsType<RemoveTopicRecord>(Assert.Single(delete.Records));
        Assert.Null(Commit(image, delete).Topics.Find("t"));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, ReplicationControlManager.DeleteTopic(image, "x").Response.Error);
    }

    [Fact]
    public void Config_changes_record_only_what_changed_and_replace_removes_the_rest()
    {
        var image = Commit(ThreeBrokers, ReplicationControlManager.CreateTopic(ThreeBrokers,
            new NewTopic("t", 1, 1, new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }), Guid.NewGuid));
        var resource = ConfigResource.Topic("t");
        var same = ConfigurationControlManager.Alter(image, resource, new Dictionary<string, string?> { ["a"] = "1" }, replace: false);
        Assert.Empty(same.Records);
        var replaced = ConfigurationControlManager.Alter(image, resource, new Dictionary<string, string?> { ["a"] = "3" }, replace: true);
        Assert.Equal(2, replaced.Records.Count);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "3" }, Commit(image, replaced).Configs.For(resource));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, ConfigurationControlManager.Alter(image, ConfigResource.Topic("x"), new Dictionary<string, string?>(), false).Response.Error);
    }

    [Fact]
    public void Registrations_get_new_epochs_and_producer_ids_come_in_blocks()
    {
        var incarnation = Guid.NewGuid();
        var first = ClusterControlManager.Register(MetadataImage.Empty, 1, incarnation, [new BrokerEndpoint("PLAINTEXT", "h", 1, 0)], null, fenced: false);
        var image = Commit(MetadataImage.Empty, first);
        Assert.Equal(1, first.Response);
        Assert.Empty(ClusterControlManager.Register(image, 1, incarnation, [], null, fenced: false).Records);
        var second = ClusterControlManager.Register(image, 1, Guid.NewGuid(), [], null, fenced: false);
        Assert.Equal(2, second.Response);
        image = Commit(image, second);
        image = Commit(image, ClusterControlManager.SetFenced(image, 1, true));
        Assert.True(image.Cluster.Brokers[1].Fenced);
        var block = ClusterControlManager.AllocateProducerIds(image, 1);
        Assert.Equal(0, block.Response);
        image = Commit(image, block);
        Assert.Equal(ClusterControlManager.ProducerIdBlockSize, ClusterControlManager.AllocateProducerIds(image, 1).Response);
    }
}
