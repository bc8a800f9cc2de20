using System.Globalization;
using Runnel.Protocol.Generator.Model;

namespace Runnel.Protocol.Generator.Parsing;

/// <summary>
/// Parses the compact schema format. A file holds messages; a message line names its kind, key and versions, and
/// the indented lines below it are fields (two spaces deeper for a struct's fields):
/// <code>
/// // Deletes records before an offset.
/// request DeleteRecordsRequest: key 21, versions 0-2, flexible 2+
///   Topics: []DeleteRecordsTopic
///     Name: string, entity topicName
///     ...
///   struct SharedStruct          (a struct that several fields use)
/// </code>
/// Field options after the type: <c>v3+</c> (versions, default all), <c>nullable 1+</c>, <c>tag 0 3+</c>,
/// <c>default -1</c>, <c>flexible none</c>, <c>entity topicName</c>.
/// </summary>
public static class SchemaParser
{
    private sealed record Line(int Number, int Indent, string Text);

    public static IReadOnlyList<MessageDefinition> Parse(string text, string sourceFile)
    {
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n')
            .Select((raw, i) => new Line(i + 1, raw.Length - raw.TrimStart(' ').Length, raw.Trim()))
            .ToList();
        var messages = new List<MessageDefinition>();
        var comments = new List<string>();
        var index = 0;
        while (index < lines.Count)
        {
            var line = lines[index];
            if (line.Text.Length == 0)
            {
                index++;
                continue;
            }
            if (line.Text.StartsWith("//", StringComparison.Ordinal))
            {
                comments.Add(line.Text[2..].Trim());
                index++;
                continue;
            }
            if (line.Indent != 0)
                throw Error(sourceFile, line, "expected a message line at column 0");
            index++;
            messages.Add(ParseMessage(line, lines, ref index, sourceFile, comments.Count > 0 ? string.Join(' ', comments) : null));
            comments.Clear();
        }
        return messages;
    }

    private static MessageDefinition ParseMessage(Line head, List<Line> lines, ref int index, string file, string? summary)
    {
        // "request ProduceRequest: key 0, versions 0-11, flexible 9+"
        var colon = head.Text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            throw Error(file, head, "message line needs 'kind Name: options'");
        var kindAndName = head.Text[..colon].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (kindAndName.Length != 2)
            throw Error(file, head, "message line needs 'kind Name: options'");
        var kind = kindAndName[0] switch
        {
            "request" => MessageKind.Request,
            "response" => MessageKind.Response,
            "header" => MessageKind.Header,
            "data" => MessageKind.Data,
            _ => throw Error(file, head, $"unknown message kind '{kindAndName[0]}'"),
        };
        short? key = null;
        VersionRange? versions = null;
        var flexible = VersionRange.None;
        foreach (var option in SplitOptions(head.Text[(colon + 1)..]))
        {
            var (word, rest) = SplitWord(option);
            switch (word)
            {
                case "key": key = short.Parse(rest, CultureInfo.InvariantCulture); break;
                case "versions": versions = VersionRange.Parse(rest); break;
                case "flexible": flexible = VersionRange.Parse(rest); break;
                default: throw Error(file, head, $"unknown message option '{word}'");
            }
        }
        if (versions is null)
            throw Error(file, head, "message needs 'versions'");
        if ((kind is MessageKind.Request or MessageKind.Response) != key.HasValue)
            throw Error(file, head, "requests and responses, and only they, have a key");

        var fields = new List<FieldDefinition>();
        var structs = new List<StructDefinition>();
        while (index < lines.Count && (lines[index].Indent > 0 || lines[index].Text.Length == 0))
        {
            var line = lines[index];
            if (line.Text.Length == 0)
                break;
            if (line.Indent != 2)
                throw Error(file, line, "expected a field at indent 2");
            index++;
            if (line.Text.StartsWith("struct ", StringComparison.Ordinal))
            {
                var parts = SplitOptions(line.Text["struct ".Length..]);
                var structVersions = parts.Count > 1 && parts[1].StartsWith('v') ? VersionRange.Parse(parts[1][1..]) : VersionRange.All;
                structs.Add(new StructDefinition { Name = parts[0], Versions = structVersions, Fields = ParseFields(lines, ref index, 4, file) });
            }
            else
            {
                fields.Add(ParseField(line, lines, ref index, file));
            }
        }
        return new MessageDefinition
        {
            Kind = kind,
            Name = kindAndName[1],
            ApiKey = key,
            Versions = versions.Value,
            FlexibleVersions = flexible,
            Fields = fields,
            CommonStructs = structs,
            Summary = summary,
            SourceFile = file,
        };
    }

    private static List<FieldDefinition> ParseFields(List<Line> lines, ref int index, int indent, string file)
    {
        var fields = new List<FieldDefinition>();
        while (index < lines.Count && lines[index].Text.Length > 0 && lines[index].Indent >= indent)
        {
            var line = lines[index];
            if (line.Indent != indent)
                throw Error(file, line, $"expected a field at indent {indent}");
            index++;
            fields.Add(ParseField(line, lines, ref index, file));
        }
        return fields;
    }

    private static FieldDefinition ParseField(Line line, List<Line> lines, ref int index, string file)
    {
        var colon = line.Text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            throw Error(file, line, "field needs 'Name: type'");
        var name = line.Text[..colon].Trim();
        var options = SplitOptions(line.Text[(colon + 1)..]);
        var type = FieldType.Parse(options[0]);
        var versions = VersionRange.All;
        var nullable = VersionRange.None;
        var tagged = VersionRange.None;
        int? tag = null;
        string? defaultValue = null;
        string? entity = null;
        VersionRange? flexible = null;
        foreach (var option in options.Skip(1))
        {
            if (option.StartsWith('v') && char.IsDigit(option[1]))
            {
                versions = VersionRange.Parse(option[1..]);
                continue;
            }
            var (word, rest) = SplitWord(option);
            switch (word)
            {
                case "nullable": nullable = VersionRange.Parse(rest); break;
                case "default": defaultValue = rest; break;
                case "entity": entity = rest; break;
                case "flexible": flexible = VersionRange.Parse(rest); break;
                case "tag":
                    var (number, range) = SplitWord(rest);
                    tag = int.Parse(number, CultureInfo.InvariantCulture);
                    tagged = VersionRange.Parse(range);
                    break;
                default: throw Error(file, line, $"unknown field option '{word}'");
            }
        }
        var children = ParseFields(lines, ref index, line.Indent + 2, file);
        if (children.Count > 0 && (type.Element ?? type).IsPrimitive)
            throw Error(file, line, "a primitive type cannot have fields");
        return new FieldDefinition
        {
            Name = name,
            Type = type,
            Versions = versions,
            NullableVersions = nullable,
            Tag = tag,
            TaggedVersions = tagged,
            Default = defaultValue,
            Entity = entity,
            FlexibleVersions = flexible,
            Fields = children,
        };
    }

    private static List<string> SplitOptions(string text)
        => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static (string Word, string Remainder) SplitWord(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (text, "") : (text[..space], text[(space + 1)..].Trim());
    }

    private static FormatException Error(string file, Line line, string message)
        => new($"{file}:{line.Number}: {message}: '{line.Text}'");
}
