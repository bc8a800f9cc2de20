using Avro;

namespace Runnel.SchemaRegistry.Compatibility;

/// <summary>
/// Avro's schema resolution (the specification's "Schema Resolution", as Java's SchemaCompatibility implements it):
/// whether data written with one schema can be read with another. The registry's levels are built on it: BACKWARD
/// means the new schema reads the old one's data, FORWARD the old one reads the new one's.
/// <list type="bullet">
/// <item>records: same (unqualified) name; each reader field is in the writer (by name or alias) with a
/// readable type, or has a default; writer fields the reader lacks are skipped;</item>
/// <item>primitives: the same type or a promotion (int to long, float or double; long to float or double; float to
/// double; string and bytes either way);</item>
/// <item>enums: same name; every writer symbol is a reader symbol unless the reader has a default;</item>
/// <item>fixed: same name and size; arrays and maps: their items and values;</item>
/// <item>unions: a writer union needs every branch readable; a reader union needs one branch that reads the writer.</item>
/// </list>
/// Logical types resolve as their underlying types (as Avro does).
/// </summary>
internal static class AvroCompatibility
{
    /// <summary>Why <paramref name="reader"/> cannot read what <paramref name="writer"/> wrote; empty when it can.</summary>
    public static IReadOnlyList<string> Incompatibilities(Schema reader, Schema writer)
    {
        var messages = new List<string>();
        Check(reader, writer, "/", messages, []);
        return messages;
    }

    private static void Check(Schema reader, Schema writer, string path, List<string> messages, HashSet<(Schema, Schema)> inProgress)
    {
        reader = Underlying(reader);
        writer = Underlying(writer);
        // Recursive types: a pair already being checked higher up is assumed compatible (its fields are checked there).
        if (!inProgress.Add((reader, writer)))
            return;
        try
        {
            if (writer is UnionSchema writerUnion)
            {
                for (var i = 0; i < writerUnion.Count; i++)
                {
                    var branch = new List<string>();
                    Check(reader, writerUnion[i], path, branch, inProgress);
                    if (branch.Count > 0)
                        messages.Add($"{{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside a union field at path '{path}{i}' in the old schema', additionalInfo:'reader union lacking writer type: {writerUnion[i].Tag.ToString().ToUpperInvariant()}'}}");
                }
                return;
            }
            if (reader is UnionSchema readerUnion)
            {
                foreach (var candidate in readerUnion.Schemas)
                {
                    var branch = new List<string>();
                    Check(candidate, writer, path, branch, inProgress);
                    if (branch.Count == 0)
                        return;
                }
                messages.Add($"{{errorType:'TYPE_MISMATCH', description:'The type (path '{path}') of a field in the new schema does not match with the old schema', additionalInfo:'reader union lacking writer type: {writer.Tag.ToString().ToUpperInvariant()}'}}");
                return;
            }
            if (reader.Tag != writer.Tag)
            {
                if (!Promotes(writer.Tag, reader.Tag))
                    messages.Add($"{{errorType:'TYPE_MISMATCH', description:'The type (path '{path}') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: {reader.Tag.ToString().ToUpperInvariant()} not compatible with writer type: {writer.Tag.ToString().ToUpperInvariant()}'}}");
                return;
            }
            switch (reader)
            {
                case RecordSchema readerRecord:
                    CheckRecord(readerRecord, (RecordSchema)writer, path, messages, inProgress);
                    break;
                case EnumSchema readerEnum:
                    var writerEnum = (EnumSchema)writer;
                    CheckName(readerEnum, writerEnum, path, messages);
                    if (readerEnum.Default is null)
                    {
                        var missing = writerEnum.Symbols.Where(s => !readerEnum.Contains(s)).ToList();
                        if (missing.Count > 0)
                            messages.Add($"{{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols '[{string.Join(", ", missing)}]' at path '{path}symbols' in the old schema', additionalInfo:'[{string.Join(", ", missing)}]'}}");
                    }
                    break;
                case FixedSchema readerFixed:
                    CheckName(readerFixed, (FixedSchema)writer, path, messages);
                    if (readerFixed.Size != ((FixedSchema)writer).Size)
                        messages.Add($"{{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path '{path}size' in the new schema does not match with the old schema', additionalInfo:'expected: {((FixedSchema)writer).Size}, found: {readerFixed.Size}'}}");
                    break;
                case ArraySchema readerArray:
                    Check(readerArray.ItemSchema, ((ArraySchema)writer).ItemSchema, $"{path}items/", messages, inProgress);
                    break;
                case MapSchema readerMap:
                    Check(readerMap.ValueSchema, ((MapSchema)writer).ValueSchema, $"{path}values/", messages, inProgress);
                    break;
            }
        }
        finally
        {
            inProgress.Remove((reader, writer));
        }
    }

    private static void CheckRecord(RecordSchema reader, RecordSchema writer, string path, List<string> messages, HashSet<(Schema, Schema)> inProgress)
    {
        CheckName(reader, writer, path, messages);
        foreach (var field in reader.Fields)
        {
            var written = writer.Fields.FirstOrDefault(f => f.Name == field.Name)
                ?? writer.Fields.FirstOrDefault(f => field.Aliases?.Contains(f.Name) == true);
            if (written is null)
            {
                if (field.DefaultValue is null)
                    messages.Add($"{{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field '{field.Name}' at path '{path}fields/{field.Pos}' in the new schema has no default value and is missing in the old schema', additionalInfo:'{field.Name}'}}");
                continue;
            }
            Check(field.Schema, written.Schema, $"{path}fields/{field.Pos}/type/", messages, inProgress);
        }
    }

    private static void CheckName(NamedSchema reader, NamedSchema writer, string path, List<string> messages)
    {
        // Aliases of named types are not consulted (Apache.Avro keeps them internal); field aliases are.
        if (reader.Name != writer.Name)
            messages.Add($"{{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '{path}name')', additionalInfo:'expected: {writer.Fullname}'}}");
    }

    private static bool Promotes(Schema.Type writer, Schema.Type reader) => (writer, reader) switch
    {
        (Schema.Type.Int, Schema.Type.Long or Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Long, Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Float, Schema.Type.Double) => true,
        (Schema.Type.String, Schema.Type.Bytes) or (Schema.Type.Bytes, Schema.Type.String) => true,
        _ => false,
    };

    private static Schema Underlying(Schema schema) => schema is LogicalSchema logical ? logical.BaseSchema : schema;
}
