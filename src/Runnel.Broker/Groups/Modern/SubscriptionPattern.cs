using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Runnel.Broker.Groups.Modern;

/// <summary>
/// KIP-848's SubscribedTopicRegex. Kafka compiles it with RE2J; here it is a .NET regular expression matched against the
/// whole topic name, compiled with RegexOptions.NonBacktracking (linear time, as RE2 guarantees). The constructs RE2
/// accepts (character classes, alternation, repetition, groups, anchors) mean the same in both; .NET rejects
/// backreferences and lookarounds in this mode, as RE2 does. An unparseable pattern is INVALID_REGULAR_EXPRESSION.
/// </summary>
internal static class SubscriptionPattern
{
    private static readonly Dictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    public static bool TryParse(string pattern, [NotNullWhen(true)] out Regex? regex, out string? error)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(pattern, out regex))
            {
                error = null;
                return true;
            }
        }
        try
        {
            regex = new Regex($"^(?:{pattern})$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            lock (Cache)
            {
                if (Cache.Count > 1000)
                    Cache.Clear();
                Cache[pattern] = regex;
            }
            error = null;
            return true;
        }
        catch (ArgumentException e)
        {
            regex = null;
            error = e.Message;
            return false;
        }
    }
}
