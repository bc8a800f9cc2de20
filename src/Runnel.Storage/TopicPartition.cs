using System.Globalization;

namespace Runnel.Storage;

/// <summary>
/// A topic partition and its directory name, <c>&lt;topic&gt;-&lt;partition&gt;</c> as in Kafka. Topic names are
/// checked with Kafka's rules (1-249 characters of [a-zA-Z0-9._-], not "." or ".."), which also guarantees that
/// the directory cannot name a path outside its log dir.
/// </summary>
public readonly record struct TopicPartition
{
    public const int MaxTopicLength = 249;

    public TopicPartition(string topic, int partition)
    {
        if (!IsValidTopic(topic))
            throw new ArgumentException($"Invalid topic name '{topic}'.", nameof(topic));
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        Topic = topic;
        Partition = partition;
    }

    public string Topic { get; }

    public int Partition { get; }

    public string DirectoryName => $"{Topic}-{Partition.ToString(CultureInfo.InvariantCulture)}";

    public static bool IsValidTopic(string? topic) =>
        !string.IsNullOrEmpty(topic) && topic.Length <= MaxTopicLength && topic is not "." and not ".."
        && topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Parses a partition directory name; false for anything that is not one (stray files, temp dirs).</summary>
    public static bool TryParseDirectoryName(string name, out TopicPartition tp)
    {
        tp = default;
        var dash = name.LastIndexOf('-');
        if (dash <= 0 || !int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
            return false;
        var topic = name[..dash];
        if (!IsValidTopic(topic))
            return false;
        tp = new TopicPartition(topic, partition);
        return true;
    }

    public override string ToString() => DirectoryName;
}
