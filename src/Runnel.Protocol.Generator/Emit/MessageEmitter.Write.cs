using Runnel.Protocol.Generator.Model;

namespace Runnel.Protocol.Generator.Emit;

/// <summary>The Write method: fields in order, then the tagged section with known and unknown tags interleaved.</summary>
internal sealed partial class MessageEmitter
{
    private void EmitWrite(CodeBuilder code, List<FieldDefinition> fields)
    {
        code.Open("public void Write(KafkaWriter writer, short version)");
        DeclareFlexible(code);
        foreach (var field in fields.Where(f => !f.IsTagged))
        {
            // A field absent from this version is simply not written (Kafka throws for non-ignorable fields
            // that hold a non-default value; a broker answering an old client must not fail over it).
            var condition = Condition(field.Versions);
            if (condition is null)
            {
                WriteField(code, field, inTaggedSection: false);
                continue;
            }
            code.Open($"if ({condition})");
            WriteField(code, field, inTaggedSection: false);
            code.Close();
        }
        if (!_flexible.IsEmpty)
            WriteTaggedSection(code, fields.Where(f => f.IsTagged).OrderBy(f => f.Tag).ToList());
        code.Close();
    }

    private void WriteTaggedSection(CodeBuilder code, List<FieldDefinition> tagged)
    {
        var guarded = FlexibleExpression == "flexible";
        if (tagged.Count == 0)
        {
            code.Line($"{(guarded ? "if (flexible) " : "")}TaggedFields.WriteUnknown(writer, UnknownTaggedFields);");
            return;
        }
        if (guarded)
            code.Open("if (flexible)");
        code.Line("var taggedCount = UnknownTaggedFields?.Count ?? 0;");
        foreach (var field in tagged)
        {
            var condition = Condition(field.TaggedVersions.Intersect(field.Versions));
            var notDefault = $"!({IsDefaultExpression(field)})";
            code.Line($"var write{field.Name} = {(condition is null ? "" : $"{condition} && ")}{notDefault};");
            code.Line($"if (write{field.Name}) taggedCount++;");
        }
        code.Line("writer.WriteUnsignedVarInt((uint)taggedCount);");
        code.Line("var nextUnknown = 0;");
        foreach (var field in tagged)
        {
            code.Line($"TaggedFields.WriteUnknownBelow(writer, UnknownTaggedFields, ref nextUnknown, {field.Tag});");
            code.Open($"if (write{field.Name})");
            code.Line($"writer.WriteUnsignedVarInt({field.Tag});");
            code.Line("var start = writer.Length;");
            WriteField(code, field, inTaggedSection: true);
            code.Line("writer.InsertSizePrefix(start);");
            code.Close();
        }
        code.Line("TaggedFields.WriteUnknownBelow(writer, UnknownTaggedFields, ref nextUnknown, int.MaxValue);");
        if (guarded)
            code.Close();
    }

    private void WriteField(CodeBuilder code, FieldDefinition field, bool inTaggedSection)
    {
        var compact = CompactExpression(field, inTaggedSection);
        var nullable = NullableExpression(field);
        var type = field.Type;
        var name = field.Name;
        if (type.IsArray)
        {
            var element = type.Element!;
            if (IsNullableType(field))
            {
                code.Line($"if ({name} is null) writer.WriteArrayLength(-1, {compact}, {nullable});");
                code.Open("else");
            }
            else
            {
                code.Open("");
            }
            code.Line($"writer.WriteArrayLength({name}.Count, {compact}, {nullable});");
            code.Line($"foreach (var item in {name})");
            code.Line("    " + (element.IsStruct ? "item.Write(writer, version);" : WritePrimitive(element.Name, "item", compact, "false") + ";"));
            code.Close();
            return;
        }
        if (type.IsStruct)
        {
            if (!IsNullableType(field))
            {
                code.Line($"{name}.Write(writer, version);");
                return;
            }
            var orNew = $"({name} ?? new {ClassOf(type.Name)}())";
            if (nullable == "false")
            {
                code.Line($"{orNew}.Write(writer, version);");
                return;
            }
            if (nullable != "true")
                code.Open($"if ({nullable})");
            code.Line($"if ({name} is null) writer.WriteInt8(-1);");
            code.Open("else");
            code.Line("writer.WriteInt8(1);");
            code.Line($"{name}.Write(writer, version);");
            code.Close();
            if (nullable != "true")
            {
                code.Close();
                code.Line($"else {orNew}.Write(writer, version);");
            }
            return;
        }
        code.Line(WritePrimitive(type.Name, name, compact, nullable) + ";");
    }

    private static string WritePrimitive(string type, string value, string compact, string nullable) => type switch
    {
        "string" => $"writer.WriteString({value}, {compact}, {nullable})",
        "bytes" => $"writer.WriteBytes({value}, {compact}, {nullable})",
        "records" => $"writer.WriteRecords({value}, {compact}, {nullable})",
        _ => $"writer.Write{FieldTypes.FixedSuffix(type)}({value})",
    };
}
