namespace Runnel.Client;

/// <summary>A partition of a topic.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}-{Partition}";
}

/// <summary>A broker as the cluster advertises it.</summary>
public sealed record BrokerNode(int NodeId, string Host, int Port, string? Rack)
{
    public override string ToString() => $"{NodeId}@{Host}:{Port}";
}

/// <summary>A record header: a string key (UTF-8 on the wire) and a value that may be null.</summary>
public sealed record MessageHeader(string Key, byte[]? Value);
