using System.Globalization;

namespace Runnel.Cli.Parsing;

/// <summary>The options and positionals of one command line, looked up by canonical option name.</summary>
internal sealed class ParsedArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    public void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list))
            _values[name] = list = [];
        list.Add(value);
    }

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The last value given (a repeated single-value option: the last one wins, as in Kafka's tools).</summary>
    public string? Get(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public int? GetInt(string name) => Get(name) is { } text ? ParseInt(name, text) : null;

    public long? GetLong(string name)
        => Get(name) is { } text
            ? long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new UsageException($"--{name} expects a whole number, not '{text}'.")
            : null;

    public static int ParseInt(string name, string text)
        => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UsageException($"--{name} expects a whole number, not '{text}'.");

    /// <summary>
    /// Every key=value of a repeated option (<c>--property</c>, <c>--config</c>), later ones winning. A value may
    /// itself list several pairs separated by commas when <paramref name="allowCommaLists"/> (kafka-configs'
    /// <c>--add-config a=1,b=2</c>).
    /// </summary>
    public Dictionary<string, string> GetPairs(string name, bool allowCommaLists = false)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in GetAll(name))
        {
            foreach (var item in allowCommaLists ? entry.Split(',', StringSplitOptions.RemoveEmptyEntries) : [entry])
            {
                var equals = item.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                    throw new UsageException($"--{name} expects key=value, not '{item}'.");
                pairs[item[..equals].Trim()] = item[(equals + 1)..];
            }
        }
        return pairs;
    }
}
