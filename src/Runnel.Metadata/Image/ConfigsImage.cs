using System.Collections.Immutable;

namespace Runnel.Metadata.Image;

/// <summary>Kafka's config resource types (ConfigResource.Type) as stored in ConfigRecord.</summary>
public enum ConfigResourceType : sbyte
{
    Topic = 2,
    Broker = 4,
}

/// <summary>A config resource: a topic by name, or a broker by id ("" is the cluster-wide broker default).</summary>
public readonly record struct ConfigResource(ConfigResourceType Type, string Name)
{
    public static ConfigResource Topic(string name) => new(ConfigResourceType.Topic, name);

    public static readonly ConfigResource ClusterDefault = new(ConfigResourceType.Broker, "");
}

/// <summary>The configs set at runtime, per resource: only the keys that were set, never defaults.</summary>
public sealed record ConfigsImage(ImmutableDictionary<ConfigResource, ImmutableSortedDictionary<string, string>> Resources)
{
    public static readonly ConfigsImage Empty = new(ImmutableDictionary<ConfigResource, ImmutableSortedDictionary<string, string>>.Empty);

    private static readonly ImmutableSortedDictionary<string, string> None = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, string> For(ConfigResource resource) => Resources.GetValueOrDefault(resource, None);
}
