using Runnel.SchemaRegistry.Formats;
using Runnel.SchemaRegistry.Model;

namespace Runnel.SchemaRegistry.Compatibility;

/// <summary>
/// Whether a new schema may follow a subject's earlier versions under a compatibility level: the latest version, or
/// every one for the _TRANSITIVE levels (Confluent checks newest first and reports the first that fails). AVRO is
/// checked with Avro's resolution rules; JSON and PROTOBUF schemas are accepted at every level (stored and served,
/// their compatibility not checked yet). A schema of another type than the earlier version is incompatible.
/// </summary>
internal static class CompatibilityChecker
{
    public static IReadOnlyList<string> Check(CompatibilityLevel level, ParsedSchema candidate, IReadOnlyList<ParsedSchema> earlierOldestFirst)
    {
        if (level == CompatibilityLevel.None || earlierOldestFirst.Count == 0)
            return [];
        var against = CompatibilityLevels.IsTransitive(level) ? earlierOldestFirst.Reverse() : [earlierOldestFirst[^1]];
        foreach (var earlier in against)
        {
            var messages = CheckPair(level, candidate, earlier);
            if (messages.Count > 0)
                return messages;
        }
        return [];
    }

    private static List<string> CheckPair(CompatibilityLevel level, ParsedSchema candidate, ParsedSchema earlier)
    {
        if (candidate.SchemaType != earlier.SchemaType)
            return [$"Incompatible because of different schema type: {candidate.SchemaType} is not {earlier.SchemaType}"];
        var messages = new List<string>();
        if (candidate.Avro is { } next && earlier.Avro is { } previous)
        {
            if (CompatibilityLevels.ChecksBackward(level))
                messages.AddRange(AvroCompatibility.Incompatibilities(next, previous));
            if (CompatibilityLevels.ChecksForward(level))
                messages.AddRange(AvroCompatibility.Incompatibilities(previous, next));
        }
        return messages;
    }
}
