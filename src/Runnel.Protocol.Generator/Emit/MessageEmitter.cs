using Runnel.Protocol.Generator.Model;

namespace Runnel.Protocol.Generator.Emit;

/// <summary>
/// Emits one message as a sealed C# class with its structs nested inside. Every struct gets typed properties,
/// Read and Write for a given version, unknown tagged fields kept for round trips, and IsDefault (tagged fields
/// are only written when they differ from their default).
/// </summary>
internal sealed partial class MessageEmitter
{
    private static readonly HashSet<string> ReservedMemberNames = new(StringComparer.Ordinal)
    {
        "Read", "Write", "HoldsOnlyDefaults", "UnknownTaggedFields", "LowestSupportedVersion", "HighestSupportedVersion",
    };

    private readonly MessageDefinition _message;
    private readonly VersionRange _versions;
    private readonly VersionRange _flexible;
    private readonly Dictionary<string, StructShape> _structs = new(StringComparer.Ordinal);

    private sealed record StructShape(string SchemaName, string ClassName, IReadOnlyList<FieldDefinition> Fields);

    private MessageEmitter(MessageDefinition message)
    {
        _message = message;
        _versions = message.Versions;
        _flexible = message.FlexibleVersions.Intersect(message.Versions);
        CollectStructs(message.Fields);
        foreach (var common in message.CommonStructs)
            AddStruct(common.Name, common.Fields);
        foreach (var field in AllFields())
        {
            if (ReservedMemberNames.Contains(field.Name))
                throw new InvalidOperationException($"{message.Name}: field name '{field.Name}' is reserved by the generator");
            var structName = (field.Type.Element ?? field.Type).Name;
            if ((field.Type.Element ?? field.Type).IsStruct && !_structs.ContainsKey(structName))
                throw new InvalidOperationException($"{message.Name}: field '{field.Name}' uses unknown struct '{structName}'");
        }
    }

    public static void Emit(MessageDefinition message, CodeBuilder code) => new MessageEmitter(message).EmitRoot(code);

    private IEnumerable<FieldDefinition> AllFields()
        => _message.Fields.Concat(_structs.Values.SelectMany(s => s.Fields));

    private void CollectStructs(IReadOnlyList<FieldDefinition> fields)
    {
        foreach (var field in fields)
        {
            if (field.Fields.Count == 0)
                continue;
            AddStruct((field.Type.Element ?? field.Type).Name, field.Fields);
            CollectStructs(field.Fields);
        }
    }

    private void AddStruct(string schemaName, IReadOnlyList<FieldDefinition> fields)
    {
        if (_structs.ContainsKey(schemaName))
            throw new InvalidOperationException($"{_message.Name}: struct '{schemaName}' is defined twice");
        // Nested classes live in the root class, so a struct may not share a name with a root property, the root
        // itself, or one of its own properties (C# forbids all three); such structs get a "Data" suffix.
        var taken = new HashSet<string>(_message.Fields.Select(f => f.Name), StringComparer.Ordinal) { _message.Name };
        taken.UnionWith(fields.Select(f => f.Name));
        var className = schemaName;
        while (taken.Contains(className))
            className += "Data";
        _structs[schemaName] = new StructShape(schemaName, className, fields);
    }

    private void EmitRoot(CodeBuilder code)
    {
        if (_message.Summary is not null)
            code.Line($"/// <summary>{Escape(_message.Summary)}</summary>");
        // A response with a top-level throttle time can be throttled by the broker without knowing its type.
        var throttled = _message.Fields.Any(f => f.Name == "ThrottleTimeMs" && f.Type.Name == "int32" && f.Type.Element is null);
        code.Open($"public sealed partial class {_message.Name} : IKafkaMessage{(throttled ? ", IThrottledResponse" : "")}");
        code.Line($"public const short LowestSupportedVersion = {_versions.Low};");
        code.Line($"public const short HighestSupportedVersion = {_versions.High};");
        code.Line();
        EmitMembers(code, _message.Name, _message.Fields, isRoot: true);
        foreach (var shape in _structs.Values)
        {
            code.Line();
            code.Open($"public sealed partial class {shape.ClassName} : IKafkaMessage");
            EmitMembers(code, shape.ClassName, shape.Fields, isRoot: false);
            code.Close();
        }
        code.Close();
    }

    private void EmitMembers(CodeBuilder code, string className, IReadOnlyList<FieldDefinition> fields, bool isRoot)
    {
        var present = fields.Where(f => !f.Versions.Intersect(_versions).IsEmpty).ToList();
        foreach (var field in present)
            code.Line($"public {PropertyType(field)} {field.Name} {{ get; set; }}{Initializer(field)}");
        if (!_flexible.IsEmpty)
            code.Line("public List<RawTaggedField>? UnknownTaggedFields { get; set; }");
        code.Line();
        EmitRead(code, present);
        code.Line();
        EmitWrite(code, present);
        if (!isRoot)
        {
            code.Line();
            var checks = present.Select(IsDefaultExpression).ToList();
            if (!_flexible.IsEmpty)
                checks.Add("UnknownTaggedFields is not { Count: > 0 }");
            code.Line($"internal bool HoldsOnlyDefaults() => {(checks.Count == 0 ? "true" : string.Join(" && ", checks))};");
        }
        _ = className;
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>The expression for "is this version flexible" inside Read and Write.</summary>
    private string FlexibleExpression
        => _flexible.IsEmpty ? "false" : _flexible.Covers(_versions) ? "true" : "flexible";

    private void DeclareFlexible(CodeBuilder code)
    {
        if (FlexibleExpression == "flexible")
            code.Line($"var flexible = version >= {_flexible.Low};");
    }

    /// <summary>A condition on <c>version</c> that holds exactly for <paramref name="range"/> within the message's versions; null when always.</summary>
    private string? Condition(VersionRange range)
    {
        var effective = range.Intersect(_versions);
        if (effective.IsEmpty)
            return "false";
        var parts = new List<string>();
        if (effective.Low > _versions.Low)
            parts.Add($"version >= {effective.Low}");
        if (effective.High < _versions.High)
            parts.Add($"version <= {effective.High}");
        return parts.Count == 0 ? null : string.Join(" && ", parts);
    }

    private string NullableExpression(FieldDefinition field)
    {
        var present = field.Versions.Intersect(_versions);
        var nullable = field.NullableVersions.Intersect(present);
        if (nullable.IsEmpty)
            return "false";
        if (nullable.Covers(present))
            return "true";
        var parts = new List<string>();
        if (nullable.Low > present.Low)
            parts.Add($"version >= {nullable.Low}");
        if (nullable.High < present.High)
            parts.Add($"version <= {nullable.High}");
        return string.Join(" && ", parts);
    }

    private string CompactExpression(FieldDefinition field, bool inTaggedSection)
        => inTaggedSection ? "true" : field.FlexibleVersions is { IsEmpty: true } ? "false" : FlexibleExpression;

    private static bool IsNullableType(FieldDefinition field) => !field.NullableVersions.Intersect(field.Versions).IsEmpty;

    private string ClassOf(string structName) => $"{_message.Name}.{_structs[structName].ClassName}";
}
