using System.Collections.Immutable;

namespace Runnel.Metadata.Image;

/// <summary>Kafka's SCRAM mechanism ids (org.apache.kafka.clients.admin.ScramMechanism) as records and requests carry them.</summary>
public enum ScramMechanismType : sbyte
{
    Unknown = 0,
    ScramSha256 = 1,
    ScramSha512 = 2,
}

/// <summary>Names and ids of the SCRAM mechanisms.</summary>
public static class ScramMechanisms
{
    public static string NameOf(ScramMechanismType type) => type switch
    {
        ScramMechanismType.ScramSha256 => "SCRAM-SHA-256",
        ScramMechanismType.ScramSha512 => "SCRAM-SHA-512",
        _ => "UNKNOWN",
    };

    /// <summary>The id of a mechanism name (as SASL spells it), or <see cref="ScramMechanismType.Unknown"/>.</summary>
    public static ScramMechanismType TypeOf(string name) => name.ToUpperInvariant() switch
    {
        "SCRAM-SHA-256" => ScramMechanismType.ScramSha256,
        "SCRAM-SHA-512" => ScramMechanismType.ScramSha512,
        _ => ScramMechanismType.Unknown,
    };

    /// <summary>True for an id of a mechanism Runnel serves.</summary>
    public static bool IsKnown(sbyte type) => type is (sbyte)ScramMechanismType.ScramSha256 or (sbyte)ScramMechanismType.ScramSha512;
}

/// <summary>What the server keeps of one SCRAM password (RFC 5802 section 3); never handed to clients.</summary>
public sealed record ScramCredentialData(byte[] Salt, byte[] StoredKey, byte[] ServerKey, int Iterations);

/// <summary>The SCRAM credentials of the cluster, per user and mechanism (Kafka's ScramImage).</summary>
public sealed record ScramImage(ImmutableSortedDictionary<string, ImmutableSortedDictionary<ScramMechanismType, ScramCredentialData>> Users)
{
    public static readonly ScramImage Empty = new(ImmutableSortedDictionary.Create<string, ImmutableSortedDictionary<ScramMechanismType, ScramCredentialData>>(StringComparer.Ordinal));

    public ScramCredentialData? Find(string user, ScramMechanismType mechanism)
        => Users.TryGetValue(user, out var credentials) ? credentials.GetValueOrDefault(mechanism) : null;
}
