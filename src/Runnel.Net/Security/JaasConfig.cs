using System.Text;

namespace Runnel.Net.Security;

/// <summary>
/// One login module of a sasl.jaas.config value, as Kafka's JaasConfig reads it:
/// <c>ModuleClass flag key1=value1 key2="value 2";</c> with flag one of required, requisite, sufficient, optional.
/// Values are quoted (backslash escapes the next character) or single words. Kafka allows exactly one module here.
/// </summary>
public sealed record JaasConfig(string LoginModule, string Flag, IReadOnlyDictionary<string, string> Options)
{
    private static readonly string[] Flags = ["required", "requisite", "sufficient", "optional"];

    /// <summary>Parses <paramref name="text"/>; errors are <see cref="JaasConfigException"/>s naming <paramref name="key"/> (never the value, which holds secrets).</summary>
    public static JaasConfig Parse(string text, string key)
    {
        var tokens = Tokenize(text, key);
        if (tokens.Count == 0)
            throw new JaasConfigException(key, "JAAS config has no login module");
        var semicolons = tokens.Count(t => t is { Quoted: false, Text: ";" });
        if (semicolons != 1 || tokens[^1] is not { Quoted: false, Text: ";" })
            throw new JaasConfigException(key, $"JAAS config property contains {Math.Max(semicolons, 1)} login modules or lacks the closing ';', should be 1 module");
        if (tokens.Count < 3 || tokens[0].Quoted || tokens[1].Quoted || !Flags.Contains(tokens[1].Text, StringComparer.OrdinalIgnoreCase))
            throw new JaasConfigException(key, "JAAS config must start with a login module class and a flag (required, requisite, sufficient or optional)");
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 2;
        while (i < tokens.Count - 1)
        {
            if (i + 2 >= tokens.Count || tokens[i].Quoted || tokens[i + 1] is not { Quoted: false, Text: "=" })
                throw new JaasConfigException(key, "JAAS config options must look like key=value or key=\"value\"");
            options[tokens[i].Text] = tokens[i + 2].Text;
            i += 3;
        }
        return new JaasConfig(tokens[0].Text, tokens[1].Text.ToLowerInvariant(), options);
    }

    private readonly record struct Token(string Text, bool Quoted);

    private static List<Token> Tokenize(string text, string key)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '=' or ';')
            {
                tokens.Add(new Token(c.ToString(), false));
                i++;
            }
            else if (c == '"')
            {
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                        throw new JaasConfigException(key, "JAAS config has an unterminated quoted value");
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        value.Append(text[i + 1]);
                        i += 2;
                        continue;
                    }
                    if (text[i] == '"')
                        break;
                    value.Append(text[i++]);
                }
                i++;
                tokens.Add(new Token(value.ToString(), true));
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('=' or ';' or '"'))
                    i++;
                tokens.Add(new Token(text[start..i], false));
            }
        }
        return tokens;
    }
}

/// <summary>A sasl.jaas.config value that does not parse; the message never quotes the value, which holds secrets.</summary>
public sealed class JaasConfigException(string key, string message) : FormatException(message)
{
    /// <summary>The config key the value came from.</summary>
    public string Key { get; } = key;
}
