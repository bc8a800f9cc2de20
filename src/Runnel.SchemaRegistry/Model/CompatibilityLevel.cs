namespace Runnel.SchemaRegistry.Model;

/// <summary>Confluent's compatibility levels: which earlier versions a new schema must agree with, and in which direction.</summary>
public enum CompatibilityLevel
{
    None,
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}

public static class CompatibilityLevels
{
    /// <summary>The global level before any PUT /config (Confluent's default).</summary>
    public const CompatibilityLevel Default = CompatibilityLevel.Backward;

    public static string Name(CompatibilityLevel level) => level switch
    {
        CompatibilityLevel.None => "NONE",
        CompatibilityLevel.Backward => "BACKWARD",
        CompatibilityLevel.BackwardTransitive => "BACKWARD_TRANSITIVE",
        CompatibilityLevel.Forward => "FORWARD",
        CompatibilityLevel.ForwardTransitive => "FORWARD_TRANSITIVE",
        CompatibilityLevel.Full => "FULL",
        _ => "FULL_TRANSITIVE",
    };

    public static bool TryParse(string? text, out CompatibilityLevel level)
    {
        level = (text ?? "").ToUpperInvariant() switch
        {
            "NONE" => CompatibilityLevel.None,
            "BACKWARD" => CompatibilityLevel.Backward,
            "BACKWARD_TRANSITIVE" => CompatibilityLevel.BackwardTransitive,
            "FORWARD" => CompatibilityLevel.Forward,
            "FORWARD_TRANSITIVE" => CompatibilityLevel.ForwardTransitive,
            "FULL" => CompatibilityLevel.Full,
            "FULL_TRANSITIVE" => CompatibilityLevel.FullTransitive,
            _ => (CompatibilityLevel)(-1),
        };
        return (int)level >= 0;
    }

    /// <summary>Whether a new schema must be readable by (FORWARD) or read (BACKWARD) every earlier version, not only the latest.</summary>
    public static bool IsTransitive(CompatibilityLevel level) =>
        level is CompatibilityLevel.BackwardTransitive or CompatibilityLevel.ForwardTransitive or CompatibilityLevel.FullTransitive;

    /// <summary>The new schema as reader must read data written with the old one.</summary>
    public static bool ChecksBackward(CompatibilityLevel level) =>
        level is CompatibilityLevel.Backward or CompatibilityLevel.BackwardTransitive or CompatibilityLevel.Full or CompatibilityLevel.FullTransitive;

    /// <summary>The old schema as reader must read data written with the new one.</summary>
    public static bool ChecksForward(CompatibilityLevel level) =>
        level is CompatibilityLevel.Forward or CompatibilityLevel.ForwardTransitive or CompatibilityLevel.Full or CompatibilityLevel.FullTransitive;
}

/// <summary>Confluent's registry modes; READONLY refuses writes, IMPORT allows registering with given ids and versions.</summary>
public static class RegistryModes
{
    public static IReadOnlyList<string> All { get; } = ["READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"];
}
