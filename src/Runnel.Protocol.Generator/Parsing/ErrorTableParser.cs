using System.Globalization;

namespace Runnel.Protocol.Generator.Parsing;

public sealed record ErrorDefinition(short Code, string Name, bool Retriable);

/// <summary>Parses Errors.schema: one "code NAME [retriable]" per line.</summary>
public static class ErrorTableParser
{
    public static IReadOnlyList<ErrorDefinition> Parse(string text)
    {
        var errors = new List<ErrorDefinition>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
                continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] != "retriable"))
                throw new FormatException($"Errors.schema: expected 'code NAME [retriable]': '{line}'");
            errors.Add(new ErrorDefinition(short.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts.Length == 3));
        }
        return errors;
    }
}
