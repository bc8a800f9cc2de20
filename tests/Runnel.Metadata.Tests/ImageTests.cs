using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Metadata.Records;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Tests;

public sealed class ImageTests
{
    private static readonly Guid OrdersId = Guid.NewGuid();

    internal static MetadataImage Replay(MetadataImage image, params IKafkaMessage[] records)
    {
        var delta = new MetadataDelta(image);
        var offset = image.Offset;
        foreach (var record in records)
            delta.Replay(MetadataRecordSerde.Read(MetadataRecordSerde.Write(record)), ++offset);
        return delta.Apply();
    }

    private static MetadataImage WithOrders() => Replay(MetadataImage.Empty,
        new TopicRecord { Name = "orders", TopicId = OrdersId },
        new PartitionRecord { TopicId = OrdersId, PartitionId = 0, Replicas = [1], Isr = [1], Leader = 1, LeaderEpoch = 0 },
        new PartitionRecord { TopicId = OrdersId, PartitionId = 1, Replicas = [1], Isr = [1], Leader = 1, LeaderEpoch = 0 },
        new ConfigRecord { ResourceType = (sbyte)ConfigResourceType.Topic, ResourceName = "orders", Name = "retention.ms", Value = "1000" },
        new ConfigRecord { ResourceType = (sbyte)ConfigResourceType.Broker, ResourceName = "", Name = "log.retention.ms", Value = "5" },
        new RegisterBrokerRecord { BrokerId = 1, BrokerEpoch = 1, IncarnationId = Guid.NewGuid(), EndPoints = [new() { Name = "PLAINTEXT", Host = "h", Port = 9092 }], Fenced = false },
        new ProducerIdsRecord { BrokerId = 1, NextProducerId = 1000 });

    [Fact]
    public void Records_replay_into_an_image()
    {
        var image = WithOrders();
        Assert.Equal(6, image.Offset);
        var orders = image.Topics.Find("orders")!;
        Assert.Same(orders, image.Topics.Find(OrdersId));
        Assert.Equal(2, orders.PartitionCount);
        Assert.Equal("1000", image.Configs.For(ConfigResource.Topic("orders"))["retention.ms"]);
        Assert.Equal("5", image.Configs.For(ConfigResource.ClusterDefault)["log.retention.ms"]);
        Assert.False(image.Cluster.Brokers[1].Fenced);
        Assert.Equal(1000, image.Cluster.NextProducerId);
    }

    [Fact]
    public void Removing_a_topic_removes_its_configs_and_frees_its_name()
    {
        var image = Replay(WithOrders(), new RemoveTopicRecord { TopicId = OrdersId });
        Assert.Null(image.Topics.Find("orders"));
        Assert.Empty(image.Configs.For(ConfigResource.Topic("orders")));
        var again = Replay(image, new TopicRecord { Name = "orders", TopicId = Guid.NewGuid() });
        Assert.NotEqual(OrdersId, again.Topics.Find("orders")!.Id);
    }

    [Fact]
    public void A_null_config_value_deletes_the_key()
    {
        var image = Replay(WithOrders(), new ConfigRecord { ResourceType = (sbyte)ConfigResourceType.Topic, ResourceName = "orders", Name = "retention.ms", Value = null });
        Assert.Empty(image.Configs.For(ConfigResource.Topic("orders")));
    }

    [Fact]
    public void Fencing_names_the_registration_epoch()
    {
        var image = WithOrders();
        Assert.False(Replay(image, new FenceBrokerRecord { Id = 1, Epoch = 7 }).Cluster.Brokers[1].Fenced);
        Assert.True(Replay(image, new FenceBrokerRecord { Id = 1, Epoch = 1 }).Cluster.Brokers[1].Fenced);
    }

    [Fact]
    public void Records_that_contradict_the_image_are_refused()
    {
        var image = WithOrders();
        Assert.Throws<InvalidDataException>(() => Replay(image, new PartitionRecord { TopicId = Guid.NewGuid(), PartitionId = 0 }));
        Assert.Throws<InvalidDataException>(() => Replay(image, new TopicRecord { Name = "orders", TopicId = Guid.NewGuid() }));
        Assert.Throws<InvalidDataException>(() => Replay(image, new RemoveTopicRecord { TopicId = Guid.NewGuid() }));
        Assert.Throws<InvalidDataException>(() => Replay(image, new ProducerIdsRecord { NextProducerId = 10 }));
    }

    [Fact]
    public void A_snapshot_rebuilds_the_same_image()
    {
        var image = WithOrders();
        var snapshot = MetadataSnapshot.Write(image, 42);
        var loaded = MetadataSnapshot.Read(image.Offset + 1, snapshot);
        Assert.Equal(image.Offset, loaded.Offset);
        Assert.Equal(
            MetadataSnapshot.Records(image).Select(MetadataRecordSerde.Write).Select(Convert.ToHexString),
            MetadataSnapshot.Records(loaded).Select(MetadataRecordSerde.Write).Select(Convert.ToHexString));
    }

    [Fact]
    public void Unknown_record_frames_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => MetadataRecordSerde.Read(new byte[] { 1, 99, 0 }));
        Assert.Throws<InvalidDataException>(() => MetadataRecordSerde.Read(new byte[] { 2, 2, 0 }));
    }
}
