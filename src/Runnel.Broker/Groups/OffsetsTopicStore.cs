using Runnel.Broker.Configuration;
using Runnel.Broker.Quorum;
using Runnel.Broker.Topics;
using Runnel.Protocol;

namespace Runnel.Broker.Groups;

/// <summary>
/// The group coordinator's store: the internal, compacted topic __consumer_offsets (a <see cref="CoordinatorTopicStore"/>
/// over <see cref="CoordinatorTopic.Offsets"/>), created when the broker starts rather than on first use, since every
/// consumer group needs it.
/// </summary>
internal static class OffsetsTopicStore
{
    public const string TopicName = "__consumer_offsets";

    /// <summary>
    /// Opens the store, first creating __consumer_offsets if it does not exist (an existing topic keeps its partition
    /// count, since groups were placed by it, and the store keeps that count from then on, as Kafka fixes it). Fails
    /// when the topic can be neither found nor created, or when another broker created it but it does not reach this
    /// node's metadata within 30 s.
    /// </summary>
    public static async Task<CoordinatorTopicStore> OpenAsync(BrokerConfig config, TopicManager topics, MetadataQuorum quorum, TimeProvider time)
    {
        var creator = new CoordinatorTopicStore(CoordinatorTopic.Offsets, config, topics, quorum, time);
        var (error, message) = await creator.CreateIfMissingAsync().ConfigureAwait(false);
        if (error != ErrorCode.None)
            throw new InvalidOperationException($"Could not create {TopicName}: {message ?? error.ToString()}");
        // Another broker may have created it first: it is known here once this node's image holds it.
        _ = topics.Find(TopicName) ?? await topics.WaitForTopicAsync(TopicName, TimeSpan.FromSeconds(30)).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{TopicName} did not appear in the metadata within 30 s.");
        return new CoordinatorTopicStore(CoordinatorTopic.Offsets, config, topics, quorum, time);
    }
}
