namespace Runnel.Broker.Configuration;

/// <summary>
/// The values Kafka 3.x accepts for the deprecated message.format.version and log.message.format.version: a
/// release ("2.8", "0.10.2", or with more segments such as "2.8.1") or one of its inter-broker protocol steps
/// ("3.0-IV1"), as MetadataVersion.fromVersionString reads them. The value has no effect (record format v2 is
/// always written); it is checked only so a value Kafka refuses is refused here too.
/// </summary>
public static class MessageFormatVersions
{
    /// <summary>The default of both keys in Kafka 3.x.</summary>
    public const string Default = "3.0-IV1";

    // Each release with the number of its IVn steps (0: the release has none, like 0.8.0).
    private static readonly (string Release, int Steps)[] Releases =
    [
        ("0.8.0", 0), ("0.8.1", 0), ("0.8.2", 0), ("0.9.0", 0), ("0.10.0", 2), ("0.10.1", 3), ("0.10.2", 1), ("0.11.0", 3),
        ("1.0", 1), ("1.1", 1), ("2.0", 2), ("2.1", 3), ("2.2", 2), ("2.3", 2), ("2.4", 2), ("2.5", 1), ("2.6", 1), ("2.7", 3),
        ("2.8", 2), ("3.0", 2), ("3.1", 1), ("3.2", 1), ("3.3", 4), ("3.4", 1), ("3.5", 3), ("3.6", 3), ("3.7", 5), ("3.8", 1),
        ("3.9", 1),
    ];

    private static readonly HashSet<string> Known = [.. Releases.SelectMany(r => Enumerable.Range(0, r.Steps).Select(i => $"{r.Release}-IV{i}").Prepend(r.Release))];

    /// <summary>Null when Kafka 3.x accepts <paramref name="value"/>, else its reason.</summary>
    public static string? Check(string value)
    {
        var segments = value.Split('.');
        var kept = value.StartsWith("0.", StringComparison.Ordinal) ? 3 : 2;
        var key = segments.Length <= kept ? value : string.Join('.', segments[..kept]);
        return Known.Contains(key) ? null : $"Version {value} is not a valid version";
    }
}
