namespace Runnel.SchemaRegistry;

/// <summary>Where the registry keeps its store and how long a request may wait for it.</summary>
public sealed class SchemaRegistryOptions
{
    /// <summary>The cluster holding <c>_schemas</c>: the hosting broker's own client listener.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>Replicas of <c>_schemas</c> when the registry creates it (fewer when the cluster has fewer brokers), as Confluent's kafkastore.topic.replication.factor.</summary>
    public short ReplicationFactor { get; init; } = 3;

    /// <summary>How long a request may wait for the store (Confluent's kafkastore.timeout.ms is 500 ms; a write here includes the produce).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
