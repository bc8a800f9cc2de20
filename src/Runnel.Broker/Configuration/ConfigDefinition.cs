using System.Globalization;

namespace Runnel.Broker.Configuration;

public enum ConfigType
{
    Boolean,
    Int,
    Long,
    Double,
    String,
    List,
    Password,
}

/// <summary>
/// One known config key, with Kafka's name, type, default and the rule a value must satisfy. Values stay strings
/// (as in server.properties and on the wire) and are checked when set, so a bad value is refused with its key.
/// </summary>
public sealed record ConfigDefinition(string Name, ConfigType Type, string? Default, string Documentation)
{
    public long? Min { get; init; }
    public long? Max { get; init; }

    /// <summary>Allowed values for an enumerated string or each item of a list (case-insensitive).</summary>
    public IReadOnlyList<string>? Allowed { get; init; }

    /// <summary>A further rule on the value (after the type and range checks): null when valid, else why not.</summary>
    public Func<string, string?>? Rule { get; init; }

    /// <summary>Accepted for compatibility but with no effect here; start-up says so once.</summary>
    public bool Ignored { get; init; }

    /// <summary>True when the value may be null (absent with no default), like Kafka's log.flush.interval.ms.</summary>
    public bool Nullable => Default is null;

    /// <summary>Returns null when <paramref name="value"/> is valid, else why not.</summary>
    public string? Validate(string value) => ValidateType(value) ?? Rule?.Invoke(value);

    private string? ValidateType(string value)
    {
        switch (Type)
        {
            case ConfigType.Boolean:
                return value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase)
                    ? null : "must be true or false";
            case ConfigType.Int:
            case ConfigType.Long:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    || (Type == ConfigType.Int && number is < int.MinValue or > int.MaxValue))
                    return $"must be an {(Type == ConfigType.Int ? "int" : "long")}";
                if (Min is { } min && number < min)
                    return $"must be at least {min}";
                if (Max is { } max && number > max)
                    return $"must be at most {max}";
                return null;
            case ConfigType.Double:
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? null : "must be a number";
            case ConfigType.List:
                if (Allowed is null)
                    return null;
                var bad = SplitList(value).FirstOrDefault(item => !Allowed.Contains(item, StringComparer.OrdinalIgnoreCase));
                return bad is null ? null : $"'{bad}' is not one of {string.Join(", ", Allowed)}";
            default:
                return Allowed is null || Allowed.Contains(value, StringComparer.OrdinalIgnoreCase)
                    ? null : $"must be one of {string.Join(", ", Allowed)}";
        }
    }

    public static IReadOnlyList<string> SplitList(string value)
        => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>A key or value that start-up or an admin request cannot accept.</summary>
public sealed class ConfigException(string key, string message) : Exception($"Invalid config {key}: {message}")
{
    public string Key { get; } = key;

    public string Reason { get; } = message;
}
