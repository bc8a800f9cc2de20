namespace Runnel.Cli.Parsing;

/// <summary>
/// A small GNU-style parser chosen over a framework so Kafka's spellings work exactly: <c>--name value</c> and
/// <c>--name=value</c>, single-dash short aliases (<c>-t topic</c>), repeatable options, <c>--</c> to end
/// options, and positionals anywhere. Errors name the offending token.
/// </summary>
internal static class ArgumentParser
{
    public static ParsedArguments Parse(IReadOnlyList<string> args, IReadOnlyList<OptionSpec> options, int maxPositionals)
    {
        var bySpelling = new Dictionary<string, OptionSpec>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            foreach (var spelling in option.Spellings)
                bySpelling[spelling] = option;
        }
        var result = new ParsedArguments();
        var onlyPositionals = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (onlyPositionals || arg.Length < 2 || arg[0] != '-' || IsNegativeNumber(arg))
            {
                result.Positionals.Add(arg);
                continue;
            }
            if (arg == "--")
            {
                onlyPositionals = true;
                continue;
            }
            var equals = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=', StringComparison.Ordinal) : -1;
            var spelling = (equals > 0 ? arg[..equals] : arg).TrimStart('-');
            if (!bySpelling.TryGetValue(spelling, out var option))
                throw new UsageException($"Unknown option '{(equals > 0 ? arg[..equals] : arg)}'.");
            if (!option.TakesValue)
            {
                if (equals > 0)
                    throw new UsageException($"--{option.Name} takes no value.");
                result.Add(option.Name, "true");
                continue;
            }
            string value;
            if (equals > 0)
                value = arg[(equals + 1)..];
            else if (i + 1 < args.Count)
                value = args[++i];
            else
                throw new UsageException($"--{option.Name} needs a value ({option.ValueName}).");
            if (!option.Repeatable && result.Has(option.Name) && result.Get(option.Name) != value)
                throw new UsageException($"--{option.Name} was given twice with different values.");
            result.Add(option.Name, value);
        }
        if (result.Positionals.Count > maxPositionals)
            throw new UsageException($"Unexpected argument '{result.Positionals[maxPositionals]}'.");
        return result;
    }

    /// <summary>"-1" is an offset or partition value, not an option (e.g. <c>--acks -1</c> after '=' or alone).</summary>
    private static bool IsNegativeNumber(string arg) => arg.Length > 1 && arg[0] == '-' && arg[1..].All(char.IsAsciiDigit);

    /// <summary>Usage text: one line per option with its spellings.</summary>
    public static string Describe(IReadOnlyList<OptionSpec> options)
    {
        var lines = options.Select(o =>
        {
            var names = string.Join(", ", o.Spellings.Select(s => s.Length == 1 ? $"-{s}" : $"--{s}"));
            return (Left: o.TakesValue ? $"{names} <{o.ValueName}>" : names, o.Help, o.Repeatable);
        }).ToList();
        var width = Math.Min(lines.Max(l => l.Left.Length), 44);
        return string.Join('\n', lines.Select(l => $"  {l.Left.PadRight(width)}  {l.Help}{(l.Repeatable ? " (repeatable)" : "")}"));
    }
}
