using System.Text;
using Runnel.Client;

namespace Runnel.Cli.Output;

/// <summary>One input line split into key, value and headers.</summary>
internal sealed record ParsedLine(byte[]? Key, byte[]? Value, IReadOnlyList<MessageHeader> Headers);

/// <summary>
/// Splits producer input lines the way Kafka's console producer (LineMessageReader) does: with parse.headers the
/// text before headers.delimiter is "k:v,k2:v2"; with parse.key the rest splits at the first key.separator into
/// key and value; a field equal to null.marker becomes null. A line without the separator is an error unless
/// ignore.error=true, which sends the whole line as the value.
/// </summary>
internal sealed class LineReader
{
    public bool ParseKey { get; init; }

    public string KeySeparator { get; init; } = "\t";

    public bool ParseHeaders { get; init; }

    public string HeadersDelimiter { get; init; } = "\t";

    public string HeadersSeparator { get; init; } = ",";

    public string HeadersKeySeparator { get; init; } = ":";

    public string? NullMarker { get; init; }

    public bool IgnoreError { get; init; }

    /// <summary>Headers added to every record after those parsed from the line (<c>--header k=v</c>).</summary>
    public IReadOnlyList<MessageHeader> ExtraHeaders { get; init; } = [];

    /// <summary>Settings from Kafka's <c>--property</c> names; unknown names are left alone, as Kafka does.</summary>
    public static LineReader FromProperties(IReadOnlyDictionary<string, string> properties, IReadOnlyList<MessageHeader> extraHeaders)
    {
        bool On(string key) => properties.TryGetValue(key, out var v) && (bool.TryParse(v, out var b)
            ? b : throw new FormatException($"{key} must be true or false, not '{v}'."));
        return new LineReader
        {
            ParseKey = On("parse.key"),
            KeySeparator = properties.GetValueOrDefault("key.separator") ?? "\t",
            ParseHeaders = On("parse.headers"),
            HeadersDelimiter = properties.GetValueOrDefault("headers.delimiter") ?? "\t",
            HeadersSeparator = properties.GetValueOrDefault("headers.separator") ?? ",",
            HeadersKeySeparator = properties.GetValueOrDefault("headers.key.separator") ?? ":",
            NullMarker = properties.GetValueOrDefault("null.marker"),
            IgnoreError = On("ignore.error"),
            ExtraHeaders = extraHeaders,
        };
    }

    /// <exception cref="FormatException">The line lacks a separator it must have.</exception>
    public ParsedLine Parse(string line, long lineNumber)
    {
        var rest = line;
        var headers = new List<MessageHeader>();
        if (ParseHeaders)
        {
            var end = rest.IndexOf(HeadersDelimiter, StringComparison.Ordinal);
            if (end < 0)
            {
                if (!IgnoreError)
                    throw new FormatException($"No headers delimiter found on line {lineNumber}.");
            }
            else
            {
                foreach (var pair in rest[..end].Split(HeadersSeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    var colon = pair.IndexOf(HeadersKeySeparator, StringComparison.Ordinal);
                    if (colon < 0 && !IgnoreError)
                        throw new FormatException($"No header key separator found in '{pair}' on line {lineNumber}.");
                    headers.Add(colon < 0
                        ? new MessageHeader(pair, null)
                        : new MessageHeader(pair[..colon], Bytes(pair[(colon + HeadersKeySeparator.Length)..])));
                }
                rest = rest[(end + HeadersDelimiter.Length)..];
            }
        }
        headers.AddRange(ExtraHeaders);
        if (!ParseKey)
            return new ParsedLine(null, Bytes(rest), headers);
        var separator = rest.IndexOf(KeySeparator, StringComparison.Ordinal);
        if (separator < 0)
        {
            return IgnoreError
                ? new ParsedLine(null, Bytes(rest), headers)
                : throw new FormatException($"No key separator found on line {lineNumber}.");
        }
        return new ParsedLine(Bytes(rest[..separator]), Bytes(rest[(separator + KeySeparator.Length)..]), headers);
    }

    private byte[]? Bytes(string text) => NullMarker is not null && text == NullMarker ? null : Encoding.UTF8.GetBytes(text);
}
