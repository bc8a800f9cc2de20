using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Runnel.Broker.Security;

/// <summary>
/// ssl.principal.mapping.rules, as Kafka's SslPrincipalMapper reads and applies them: a comma-separated list of
/// <c>DEFAULT</c> (the distinguished name as it is) and <c>RULE:pattern/replacement/[L|U]</c> entries, tried in order; the
/// first whose pattern matches the whole RFC 2253 name gives the user name (the replacement with $n back references,
/// lower- or upper-cased with L or U). A name no rule matches fails the connection's authentication.
/// </summary>
internal sealed partial class SslPrincipalMapper
{
    private const string RulePattern = @"(DEFAULT)|RULE:((\\.|[^\\/])*)/((\\.|[^\\/])*)/([LU]?).*?|(.*?)";

    [GeneratedRegex(@"\s*(" + RulePattern + @")\s*(,\s*|$)")]
    private static partial Regex Splitter();

    [GeneratedRegex(@"\G(?:" + RulePattern + ")")]
    private static partial Regex Parser();

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex BackReference();

    private readonly List<Rule> _rules;

    private SslPrincipalMapper(List<Rule> rules) => _rules = rules;

    public static SslPrincipalMapper Default { get; } = new([new Rule(null, "", false, false)]);

    /// <summary>Parses the rules; an invalid one throws <see cref="ArgumentException"/> naming it.</summary>
    public static SslPrincipalMapper Parse(string? rules)
    {
        var parsed = new List<Rule>();
        foreach (Match split in Splitter().Matches((rules ?? "DEFAULT").Trim()))
        {
            var rule = split.Groups[1].Value;
            var match = Parser().Match(rule);
            if (!match.Success)
                throw new ArgumentException($"Invalid rule: {rule}");
            if (match.Length != rule.Length)
                throw new ArgumentException($"Invalid rule: `{rule}`, unmatched substring: `{rule[match.Length..]}`");
            if (match.Groups[1].Success)
                parsed.Add(new Rule(null, "", false, false));
            else if (match.Groups[2].Success)
            {
                Regex pattern;
                try
                {
                    pattern = new Regex(match.Groups[2].Value, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"Invalid rule: `{rule}`: {e.Message}", e);
                }
                parsed.Add(new Rule(pattern, match.Groups[4].Value, match.Groups[6].Value == "L", match.Groups[6].Value == "U"));
            }
        }
        return new SslPrincipalMapper(parsed);
    }

    /// <summary>The user name for <paramref name="distinguishedName"/>, or null when no rule applies.</summary>
    public string? Name(string distinguishedName)
    {
        foreach (var rule in _rules)
        {
            if (rule.Apply(distinguishedName) is { } name)
                return name;
        }
        return null;
    }

    private sealed record Rule(Regex? Pattern, string Replacement, bool ToLower, bool ToUpper)
    {
        private readonly string _replacement = Pattern is null ? "" : DotNetReplacement(Replacement, Pattern.GetGroupNumbers().Length - 1);

        /// <summary>The pattern anchored at both ends: Java's Matcher.matches().</summary>
        private readonly Regex? _whole = Pattern is null ? null : new Regex($@"\A(?:{Pattern})\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

        public string? Apply(string name)
        {
            if (Pattern is null)
                return name;
            if (!_whole!.IsMatch(name))
                return null;
            var result = Pattern.Replace(name, _replacement);
            return ToLower ? result.ToLowerInvariant() : ToUpper ? result.ToUpperInvariant() : result;
        }
    }

    /// <summary>
    /// Java's replacement syntax in .NET's: <c>\x</c> is a literal x, <c>$n</c> a group, where a number larger than the
    /// groups drops digits from its end (Kafka's rule, from NiFi) and is literal when even one digit is too many.
    /// </summary>
    private static string DotNetReplacement(string java, int groups)
    {
        var result = new StringBuilder();
        for (var i = 0; i < java.Length; i++)
        {
            var c = java[i];
            if (c == '\\' && i + 1 < java.Length)
            {
                var literal = java[++i];
                result.Append(literal == '$' ? "$$" : literal.ToString());
                continue;
            }
            if (c == '$' && BackReference().Match(java, i) is { Success: true } reference && reference.Index == i)
            {
                var digits = reference.Groups[1].Value;
                var take = digits.Length;
                while (take > 1 && int.Parse(digits[..take], CultureInfo.InvariantCulture) > groups)
                    take--;
                var index = int.Parse(digits[..take], CultureInfo.InvariantCulture);
                result.Append(index <= groups && !digits.StartsWith('0') ? $"${{{index}}}" : "$$" + digits[..take]).Append(digits[take..]);
                i += digits.Length;
                continue;
            }
            result.Append(c == '$' ? "$$" : c.ToString());
        }
        return result.ToString();
    }
}
