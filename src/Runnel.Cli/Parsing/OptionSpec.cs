namespace Runnel.Cli.Parsing;

/// <summary>
/// One option a command accepts: its canonical name, the other spellings users type (Kafka's tools, kcat), whether
/// it takes a value, and whether it may repeat (<c>--property k=v --property k2=v2</c>).
/// </summary>
internal sealed record OptionSpec(string Name, string Help, string? ValueName = null, bool Repeatable = false, params string[] Aliases)
{
    public bool TakesValue => ValueName is not null;

    public IEnumerable<string> Spellings => [Name, .. Aliases];

    public static OptionSpec Flag(string name, string help, params string[] aliases) => new(name, help, null, false, aliases);

    public static OptionSpec Value(string name, string valueName, string help, params string[] aliases) => new(name, help, valueName, false, aliases);

    public static OptionSpec Many(string name, string valueName, string help, params string[] aliases) => new(name, help, valueName, true, aliases);
}

/// <summary>A command line the user got wrong; the message says what and the command's usage follows it.</summary>
internal sealed class UsageException(string message) : Exception(message)
{
}
