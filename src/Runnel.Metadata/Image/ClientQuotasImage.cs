using System.Collections.Immutable;

namespace Runnel.Metadata.Image;

/// <summary>
/// A client quota entity (Kafka's ClientQuotaEntity): entity types ("user", "client-id", "ip") mapped to a name, a
/// null name being that type's default. Two entities are equal when they hold the same types with the same names.
/// </summary>
public sealed class ClientQuotaEntity : IEquatable<ClientQuotaEntity>
{
    public const string User = "user";
    public const string ClientId = "client-id";
    public const string Ip = "ip";

    public ClientQuotaEntity(IEnumerable<KeyValuePair<string, string?>> parts)
        => Parts = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, parts);

    public ImmutableSortedDictionary<string, string?> Parts { get; }

    public static ClientQuotaEntity Of(params (string Type, string? Name)[] parts)
        => new(parts.Select(p => KeyValuePair.Create(p.Type, p.Name)));

    public bool Equals(ClientQuotaEntity? other)
        => other is not null && Parts.Count == other.Parts.Count
            && Parts.All(p => other.Parts.TryGetValue(p.Key, out var name) && name == p.Value);

    public override bool Equals(object? obj) => Equals(obj as ClientQuotaEntity);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (type, name) in Parts)
        {
            hash.Add(type);
            hash.Add(name);
        }
        return hash.ToHashCode();
    }

    public override string ToString() => "{" + string.Join(", ", Parts.Select(p => $"{p.Key}={p.Value ?? "<default>"}")) + "}";
}

/// <summary>The client quotas set, per entity: only the keys that were set (Kafka's ClientQuotasImage).</summary>
public sealed record ClientQuotasImage(ImmutableDictionary<ClientQuotaEntity, ImmutableSortedDictionary<string, double>> Entities)
{
    public static readonly ClientQuotasImage Empty = new(ImmutableDictionary<ClientQuotaEntity, ImmutableSortedDictionary<string, double>>.Empty);

    private static readonly ImmutableSortedDictionary<string, double> None = ImmutableSortedDictionary.Create<string, double>(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, double> For(ClientQuotaEntity entity) => Entities.GetValueOrDefault(entity, None);
}
