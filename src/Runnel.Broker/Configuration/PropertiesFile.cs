namespace Runnel.Broker.Configuration;

/// <summary>
/// Reads Java .properties text as Kafka's server.properties uses it: '#' and '!' comments, key=value or key:value,
/// backslash line continuations. Unicode escapes are rare in broker configs and are left as written.
/// </summary>
public static class PropertiesFile
{
    public static IEnumerable<KeyValuePair<string, string>> Parse(string text)
    {
        var logical = "";
        foreach (var raw in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimStart();
            if (logical.Length == 0 && (line.Length == 0 || line[0] is '#' or '!'))
                continue;
            if (line.EndsWith('\\'))
            {
                logical += line[..^1];
                continue;
            }
            logical += line;
            var separator = logical.IndexOfAny(['=', ':']);
            if (separator > 0)
                yield return new(logical[..separator].Trim(), logical[(separator + 1)..].Trim());
            logical = "";
        }
    }
}
