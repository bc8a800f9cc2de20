using System.Globalization;
using System.Text;
using Runnel.Client.Consumer;
using Runnel.Protocol.Records;

namespace Runnel.Cli.Output;

/// <summary>
/// Turns consumed records into text, either from a kcat-style format string (<c>--format '%k:%v %p@%o'</c>) or from
/// the console consumer's <c>--property print.key=true</c> settings. The format is compiled once into segments.
/// </summary>
internal sealed class RecordFormatter
{
    public const string FormatHelp =
        "%t topic, %p partition, %o offset, %k key, %v (or %s) value, %T timestamp (ms), %h headers (k=v,...), "
        + "%K key length, %S value length, %% a percent sign; \\n, \\t, \\r and \\\\ escapes. A newline ends each "
        + "record unless the format already ends with one.";

    private readonly List<Segment> _segments;
    private readonly string _nullLiteral;
    private readonly string _headerSeparator;
    private readonly string _headerKeySeparator;

    private RecordFormatter(List<Segment> segments, string nullLiteral, string headerSeparator, string headerKeySeparator)
    {
        _segments = segments;
        _nullLiteral = nullLiteral;
        _headerSeparator = headerSeparator;
        _headerKeySeparator = headerKeySeparator;
    }

    /// <summary>Compiles a format string; throws <see cref="FormatException"/> naming an unknown %-token.</summary>
    public static RecordFormatter FromFormat(string format, string nullLiteral = "null")
    {
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '\\' && i + 1 < format.Length)
            {
                literal.Append(format[++i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', var other => other });
                continue;
            }
            if (c != '%')
            {
                literal.Append(c);
                continue;
            }
            if (i + 1 >= format.Length)
                throw new FormatException("The format ends with a lone '%'.");
            var token = format[++i];
            if (token == '%')
            {
                literal.Append('%');
                continue;
            }
            if (!"tpokvsThKS".Contains(token, StringComparison.Ordinal))
                throw new FormatException($"Unknown format token '%{token}'. Known: {FormatHelp}");
            Flush(literal, segments);
            segments.Add(new Segment(token == 's' ? 'v' : token, null));
        }
        if (literal.Length == 0 || literal[^1] != '\n')
            literal.Append('\n');
        Flush(literal, segments);
        return new RecordFormatter(segments, nullLiteral, ",", "=");
    }

    /// <summary>
    /// Kafka's DefaultMessageFormatter: timestamp, partition, offset, headers, key, value as switched on by print.*,
    /// separated by key.separator, each record ended by line.separator.
    /// </summary>
    public static RecordFormatter FromKafkaProperties(IReadOnlyDictionary<string, string> properties)
    {
        bool On(string key, bool fallback) => properties.TryGetValue(key, out var v) ? bool.TryParse(v, out var b) ? b
            : throw new FormatException($"{key} must be true or false, not '{v}'.") : fallback;
        string Text(string key, string fallback) => properties.GetValueOrDefault(key) ?? fallback;

        var separator = Text("key.separator", "\t");
        var fields = new List<char>();
        if (On("print.timestamp", false))
            fields.Add('C');
        if (On("print.partition", false))
            fields.Add('P');
        if (On("print.offset", false))
            fields.Add('O');
        if (On("print.headers", false))
            fields.Add('H');
        if (On("print.key", false))
            fields.Add('k');
        if (On("print.value", true))
            fields.Add('v');
        var segments = new List<Segment>();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
                segments.Add(new Segment('\0', separator));
            segments.Add(new Segment(fields[i], null));
        }
        segments.Add(new Segment('\0', Text("line.separator", "\n")));
        return new RecordFormatter(segments, Text("null.literal", "null"), Text("headers.separator", ","), Text("headers.key.separator", ":"));
    }

    public void Write(ConsumeResult record, TextWriter output)
    {
        foreach (var segment in _segments)
        {
            switch (segment.Field)
            {
                case '\0': output.Write(segment.Literal); break;
                case 't': output.Write(record.Topic); break;
                case 'p': output.Write(record.Partition.ToString(CultureInfo.InvariantCulture)); break;
                case 'o': output.Write(record.Offset.ToString(CultureInfo.InvariantCulture)); break;
                case 'k': output.Write(Text(record.Key)); break;
                case 'v': output.Write(Text(record.Value)); break;
                case 'T': output.Write(record.Timestamp.ToString(CultureInfo.InvariantCulture)); break;
                case 'K': output.Write((record.Key?.Length ?? -1).ToString(CultureInfo.InvariantCulture)); break;
                case 'S': output.Write((record.Value?.Length ?? -1).ToString(CultureInfo.InvariantCulture)); break;
                case 'h': output.Write(Headers(record, "")); break;
                case 'H': output.Write(Headers(record, "NO_HEADERS")); break;
                case 'P': output.Write($"Partition:{record.Partition}"); break;
                case 'O': output.Write($"Offset:{record.Offset}"); break;
                case 'C':
                    output.Write(record.Timestamp < 0 ? "NO_TIMESTAMP"
                        : $"{(record.TimestampType == TimestampType.LogAppendTime ? "LogAppendTime" : "CreateTime")}:{record.Timestamp}");
                    break;
            }
        }
    }

    public string Format(ConsumeResult record)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(record, writer);
        return writer.ToString();
    }

    private string Text(byte[]? bytes) => bytes is null ? _nullLiteral : Encoding.UTF8.GetString(bytes);

    private string Headers(ConsumeResult record, string none)
        => record.Headers.Count == 0 ? none
            : string.Join(_headerSeparator, record.Headers.Select(h => $"{h.Key}{_headerKeySeparator}{Text(h.Value)}"));

    private static void Flush(StringBuilder literal, List<Segment> segments)
    {
        if (literal.Length == 0)
            return;
        segments.Add(new Segment('\0', literal.ToString()));
        literal.Clear();
    }

    /// <summary>A literal (Field '\0') or one record field by its token letter.</summary>
    private readonly record struct Segment(char Field, string? Literal);
}
