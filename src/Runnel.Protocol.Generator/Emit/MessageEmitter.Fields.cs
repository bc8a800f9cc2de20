using Runnel.Protocol.Generator.Model;

namespace Runnel.Protocol.Generator.Emit;

/// <summary>Per-field code: property types and defaults, and the statements that read and write a field.</summary>
internal sealed partial class MessageEmitter
{
    private string PropertyType(FieldDefinition field)
    {
        var type = field.Type;
        var nullable = IsNullableType(field);
        if (type.IsArray)
            return $"List<{ElementType(type.Element!)}>{(nullable ? "?" : "")}";
        if (type.IsStruct)
            return ClassOf(type.Name) + (nullable ? "?" : "");
        var primitive = FieldTypes.Primitive(type.Name);
        return type.Name is "string" or "bytes" && nullable ? primitive + "?" : primitive;
    }

    private string ElementType(FieldType element)
        => element.IsStruct ? ClassOf(element.Name) : FieldTypes.Primitive(element.Name);

    private static bool DefaultsToNull(FieldDefinition field) => field.Default == "null";

    private static string Initializer(FieldDefinition field)
    {
        var type = field.Type;
        if (type.IsArray)
            return DefaultsToNull(field) ? "" : " = [];";
        if (type.IsStruct)
            return DefaultsToNull(field) ? "" : " = new();";
        return type.Name switch
        {
            "string" => DefaultsToNull(field) ? "" : $" = {(field.Default is null or "\"\"" ? "\"\"" : $"\"{field.Default}\"")};",
            "bytes" => DefaultsToNull(field) ? "" : " = [];",
            "records" or "uuid" => "",
            _ => field.Default is null ? "" : $" = {FieldTypes.NumericLiteral(type.Name, field.Default)};",
        };
    }

    private static string IsDefaultExpression(FieldDefinition field)
    {
        var name = field.Name;
        var type = field.Type;
        if (type.IsArray)
            return DefaultsToNull(field) ? $"{name} is null" : $"{name} is not {{ Count: > 0 }}";
        if (type.IsStruct)
            return DefaultsToNull(field) ? $"{name} is null"
                : IsNullableType(field) ? $"({name} is null || {name}.HoldsOnlyDefaults())" : $"{name}.HoldsOnlyDefaults()";
        return type.Name switch
        {
            "string" => DefaultsToNull(field) ? $"{name} is null" : $"{name} == {(field.Default is null or "\"\"" ? "\"\"" : $"\"{field.Default}\"")}",
            "bytes" => DefaultsToNull(field) ? $"{name} is null" : $"{name} is not {{ Length: > 0 }}",
            "records" => $"{name} is null",
            "uuid" => $"{name} == Guid.Empty",
            "bool" => $"{name} == {(field.Default ?? "false").ToLowerInvariant()}",
            _ => $"{name} == {(field.Default is null ? "0" : FieldTypes.NumericLiteral(type.Name, field.Default))}",
        };
    }

    /// <summary>The fewest bytes one struct can take on the wire in any version, to bound array counts.</summary>
    private int MinimumStructSize(string structName)
    {
        var fields = _structs[structName].Fields;
        var smallest = int.MaxValue;
        for (var version = _versions.Low; version <= _versions.High; version++)
        {
            var compact = _flexible.Contains(version);
            var size = compact ? 1 : 0;
            foreach (var field in fields.Where(f => !f.IsTagged && f.Versions.Contains(version)))
            {
                var type = field.Type;
                size += type.IsArray ? (compact ? 1 : 4)
                    : type.IsStruct ? (field.NullableVersions.Contains(version) ? 1 : 0)
                    : FieldTypes.MinimumSize(type.Name, compact && field.FlexibleVersions is null);
            }
            smallest = Math.Min(smallest, size);
        }
        return Math.Max(smallest, 1);
    }

    private void EmitRead(CodeBuilder code, List<FieldDefinition> fields)
    {
        code.Open("public void Read(ref KafkaReader reader, short version)");
        DeclareFlexible(code);
        foreach (var field in fields.Where(f => !f.IsTagged))
        {
            var condition = Condition(field.Versions);
            if (condition is null)
            {
                ReadField(code, field, inTaggedSection: false);
                continue;
            }
            code.Open($"if ({condition})");
            ReadField(code, field, inTaggedSection: false);
            code.Close();
        }
        if (!_flexible.IsEmpty)
            ReadTaggedSection(code, fields.Where(f => f.IsTagged).OrderBy(f => f.Tag).ToList());
        code.Close();
    }

    private void ReadTaggedSection(CodeBuilder code, List<FieldDefinition> tagged)
    {
        var guarded = FlexibleExpression == "flexible";
        if (tagged.Count == 0)
        {
            code.Line($"{(guarded ? "if (flexible) " : "")}UnknownTaggedFields = reader.ReadUnknownTaggedFields();");
            return;
        }
        if (guarded)
            code.Open("if (flexible)");
        code.Line("var taggedCount = reader.ReadTaggedFieldCount();");
        code.Open("for (var t = 0; t < taggedCount && !reader.Failed; t++)");
        code.Line("var tag = reader.ReadUnsignedVarInt();");
        code.Line("var end = reader.BeginTaggedField();");
        code.Open("switch (tag)");
        foreach (var field in tagged)
        {
            var condition = Condition(field.TaggedVersions.Intersect(field.Versions));
            code.Line($"case {field.Tag}{(condition is null ? "" : $" when {condition}")}:");
            code.Open("");
            ReadField(code, field, inTaggedSection: true);
            code.Line("break;");
            code.Close();
        }
        code.Line("default:");
        code.Line("    (UnknownTaggedFields ??= []).Add(new RawTaggedField((int)tag, reader.ReadTaggedFieldData(end)));");
        code.Line("    break;");
        code.Close();
        code.Line("reader.EndTaggedField(end);");
        code.Close();
        if (guarded)
            code.Close();
    }

    private void ReadField(CodeBuilder code, FieldDefinition field, bool inTaggedSection)
    {
        var compact = CompactExpression(field, inTaggedSection);
        var nullable = NullableExpression(field);
        var type = field.Type;
        var name = field.Name;
        if (type.IsArray)
        {
            var element = type.Element!;
            var minimum = element.IsStruct ? MinimumStructSize(element.Name) : FieldTypes.MinimumSize(element.Name, compact != "false");
            code.Line($"var {Local(name)}Count = reader.ReadArrayLength({compact}, {nullable}, {minimum});");
            if (IsNullableType(field))
                code.Line($"if ({Local(name)}Count < 0) {name} = null;");
            code.Open(IsNullableType(field) ? "else" : "");
            code.Line($"var items = new List<{ElementType(element)}>({Local(name)}Count);");
            code.Open($"for (var i = 0; i < {Local(name)}Count && !reader.Failed; i++)");
            if (element.IsStruct)
            {
                code.Line($"var item = new {ClassOf(element.Name)}();");
                code.Line("item.Read(ref reader, version);");
                code.Line("items.Add(item);");
            }
            else
            {
                code.Line($"items.Add({ReadPrimitive(element.Name, compact, "false", nullableType: false)});");
            }
            code.Close();
            code.Line($"{name} = items;");
            code.Close();
            return;
        }
        if (type.IsStruct)
        {
            var nullCheck = nullable switch
            {
                "false" => null,
                "true" => "reader.ReadInt8() < 0",
                _ => $"{nullable} && reader.ReadInt8() < 0",
            };
            if (nullCheck is not null)
            {
                code.Line($"if ({nullCheck}) {name} = null;");
                code.Open("else");
            }
            else
            {
                code.Open("");
            }
            code.Line($"var value = new {ClassOf(type.Name)}();");
            code.Line("value.Read(ref reader, version);");
            code.Line($"{name} = value;");
            code.Close();
            return;
        }
        code.Line($"{name} = {ReadPrimitive(type.Name, compact, nullable, IsNullableType(field))};");
    }

    private static string ReadPrimitive(string type, string compact, string nullable, bool nullableType) => type switch
    {
        "string" => nullableType ? $"reader.ReadString({compact}, {nullable})" : $"reader.ReadString({compact})",
        "bytes" => nullableType ? $"reader.ReadBytes({compact}, {nullable})" : $"reader.ReadBytes({compact}, false) ?? []",
        "records" => $"reader.ReadRecords({compact})",
        _ => $"reader.Read{FieldTypes.FixedSuffix(type)}()",
    };

    private static string Local(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
