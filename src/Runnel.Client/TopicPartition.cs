namespace Runnel.Client;

/// <summary>A partition of a topic.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}-{Partition}";
}

/// <summary>A broker as the cluster advertises it.</summary>
public sealed record BrokerNode(int NodeId, string Host, int Port, string? Rack)
{
    /// <summary>host:port, with IPv6 hosts in brackets.</summary>
    public string Endpoint => Network.Endpoints.Format(Host, Port);

    public override string ToString() => $"{NodeId}@{Endpoint}";
}

/// <summary>A record header: a string key (UTF-8 on the wire) and a value that may be null.</summary>
public sealed record MessageHeader(string Key, byte[]? Value);
