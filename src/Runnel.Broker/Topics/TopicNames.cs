using Runnel.Storage;

namespace Runnel.Broker.Topics;

/// <summary>Kafka's topic name rules: 1-249 of [a-zA-Z0-9._-], not "." or "..".</summary>
internal static class TopicNames
{
    /// <summary>Kafka's internal topics (Topic.isInternal): the coordinators' own, which clients may not produce to.</summary>
    public static bool IsInternal(string name) => name is Groups.OffsetsTopicStore.TopicName or Transactions.TransactionCoordinator.TopicName;

    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return "Topic name is empty.";
        if (name.Length > TopicPartition.MaxTopicLength)
            return $"Topic name is longer than {TopicPartition.MaxTopicLength} characters.";
        if (name is "." or "..")
            return "Topic name cannot be '.' or '..'.";
        return TopicPartition.IsValidTopic(name)
            ? null
            : $"Topic name '{name}' is illegal: it may contain only ASCII letters, digits, '.', '_' and '-'.";
    }

    /// <summary>'.' and '_' become the same character in metric names, so Kafka refuses names that differ only there.</summary>
    public static string CollisionKey(string name) => name.Replace('.', '_');
}
