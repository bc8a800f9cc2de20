using System.Text.Json;
using Runnel.Protocol.Generator;
using Runnel.Protocol.Generator.Model;

namespace Runnel.Protocol.Tests.Schema;

/// <summary>
/// Our schema must say what Kafka's message specifications say: for each message we define, the same versions,
/// flexible versions and key, and per field the same name, type, versions, nullability, tag and default.
/// </summary>
public sealed class SchemaAgreementTests
{
    // KIP-1142 (Kafka 4.1) renamed ListClientMetricsResources (key 74) to ListConfigResources and added v1; the reference
    // predates the rename, so these two are compared with Kafka's own 4.1 spec by hand, not here.
    private static readonly HashSet<string> NewerThanTheReference = ["ListConfigResourcesRequest", "ListConfigResourcesResponse"];

    [ReferenceSpecsFact]
    public void Every_message_matches_the_reference_specification()
    {
        var problems = new List<string>();
        var count = 0;
        // Kafka's metadata records live in its metadata module, not among the reference's message specs: every
        // *Records.schema file but RaftRecords (whose control records the reference has) holds them.
        var schemas = GeneratorRun.LoadSchemas(ReferenceSpecs.RepositoryRoot).Where(f => !f.Key.EndsWith("Records", StringComparison.Ordinal) || f.Key == "RaftRecords");
        foreach (var message in schemas.SelectMany(f => f.Value))
        {
            var path = Path.Combine(ReferenceSpecs.Directory!, message.Name + ".json");
            if (!File.Exists(path) && NewerThanTheReference.Contains(message.Name))
                continue;
            if (!File.Exists(path))
            {
                problems.Add($"{message.Name}: no reference specification");
                continue;
            }
            var spec = LoadJsonWithComments(path);
            var theirVersions = Range(spec, "validVersions");
            // We may be ahead of the reference (Vote v2, KIP-996): versions past its newest are ours alone, so compare
            // the common versions and leave out fields that exist only in the newer ones.
            var ahead = message.Versions.High > theirVersions.High && message.Versions.Low == theirVersions.Low;
            var newestTheirs = ahead ? theirVersions.High : VersionRange.Unbounded;
            Compare(message.Name, "validVersions", ahead ? message.Versions.Intersect(theirVersions) : message.Versions, theirVersions, problems);
            Compare(message.Name, "flexibleVersions", message.FlexibleVersions, Range(spec, "flexibleVersions"), problems);
            if (message.ApiKey is { } key && spec.GetProperty("apiKey").GetInt16() != key)
                problems.Add($"{message.Name}: apiKey {key} vs {spec.GetProperty("apiKey").GetInt16()}");
            CompareFields(message.Name, message.Fields, spec.GetProperty("fields"), problems, newestTheirs);
            var commons = spec.TryGetProperty("commonStructs", out var c) ? c.EnumerateArray().ToList() : [];
            if (commons.Count != message.CommonStructs.Count)
                problems.Add($"{message.Name}: {message.CommonStructs.Count} common structs vs {commons.Count}");
            foreach (var (ours, theirs) in message.CommonStructs.Zip(commons))
                CompareFields($"{message.Name}.{ours.Name}", ours.Fields, theirs.GetProperty("fields"), problems);
            count++;
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(count >= 120, $"only {count} messages compared");
    }

    [ReferenceSpecsFact]
    public void Error_table_matches_the_reference()
    {
        var reference = File.ReadAllLines(Path.Combine(ReferenceSpecs.Directory!, "errors.tsv")).Skip(1)
            .Where(l => l.Length > 0).Select(l => l.Split('\t'))
            .Select(c => (Code: short.Parse(c[1], System.Globalization.CultureInfo.InvariantCulture), Name: c[0], Retriable: c[2] == "true"))
            .ToList();
        var ours = ErrorCodes.All.Select(e => (Code: (short)e.Code, e.Name, e.Retriable)).ToList();
        Assert.Equal(reference, ours);
    }

    private static void CompareFields(string path, IReadOnlyList<FieldDefinition> ours, JsonElement theirs, List<string> problems,
        short newestTheirs = VersionRange.Unbounded)
    {
        ours = [.. ours.Where(f => f.Versions.Low <= newestTheirs)];
        var reference = theirs.EnumerateArray().ToList();
        if (ours.Count != reference.Count)
        {
            problems.Add($"{path}: {ours.Count} fields vs {reference.Count}");
            return;
        }
        foreach (var (field, spec) in ours.Zip(reference))
        {
            var where = $"{path}.{field.Name}";
            if (field.Name != spec.GetProperty("name").GetString())
                problems.Add($"{where}: named {spec.GetProperty("name").GetString()} in the reference");
            if (field.Type.Name != spec.GetProperty("type").GetString())
                problems.Add($"{where}: type {field.Type.Name} vs {spec.GetProperty("type").GetString()}");
            Compare(where, "versions", field.Versions, Range(spec, "versions"), problems);
            Compare(where, "nullableVersions", field.NullableVersions, Range(spec, "nullableVersions"), problems);
            Compare(where, "taggedVersions", field.TaggedVersions, Range(spec, "taggedVersions"), problems);
            var tag = spec.TryGetProperty("tag", out var t) ? (t.ValueKind == JsonValueKind.String ? int.Parse(t.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : t.GetInt32()) : (int?)null;
            if (field.Tag != tag)
                problems.Add($"{where}: tag {field.Tag} vs {tag}");
            var theirDefault = spec.TryGetProperty("default", out var d) ? NormaliseDefault(d) : null;
            var ourDefault = field.Default == "\"\"" ? "" : field.Default;
            if (ourDefault != theirDefault)
                problems.Add($"{where}: default {ourDefault} vs {theirDefault}");
            var flexible = spec.TryGetProperty("flexibleVersions", out var f) ? VersionRange.Parse(f.GetString()!) : (VersionRange?)null;
            if (field.FlexibleVersions != flexible)
                problems.Add($"{where}: flexibleVersions {field.FlexibleVersions} vs {flexible}");
            if (spec.TryGetProperty("fields", out var children))
                CompareFields(where, field.Fields, children, problems, newestTheirs);
            else if (field.Fields.Count > 0)
                problems.Add($"{where}: has fields the reference does not");
        }
    }

    private static string NormaliseDefault(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()! is "False" or "True" ? value.GetString()!.ToLowerInvariant() : value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };

    private static VersionRange Range(JsonElement element, string property)
        => element.TryGetProperty(property, out var value) ? VersionRange.Parse(value.GetString()!) : VersionRange.None;

    private static void Compare(string where, string what, VersionRange ours, VersionRange theirs, List<string> problems)
    {
        if (ours.IsEmpty ? !theirs.IsEmpty : ours != theirs)
            problems.Add($"{where}: {what} {ours} vs {theirs}");
    }

    private static JsonElement LoadJsonWithComments(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal));
        return JsonDocument.Parse(string.Join('\n', lines)).RootElement.Clone();
    }
}
