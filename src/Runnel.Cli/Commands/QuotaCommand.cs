using System.Globalization;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel quota set|describe</c>: client quotas, with kafka-configs.sh's entity spelling (--entity-type users|clients|ips
/// with --entity-name or --entity-default) or the shorter --user, --client-id, --ip (and --user-default,
/// --client-default). set takes --add-config k=v,... and --delete-config k,...; describe lists the quotas of the
/// matching entities (every entity without a filter).
/// </summary>
internal sealed class QuotaCommand : CliCommand
{
    private static readonly string[] Actions = ["set", "describe"];
    private static readonly OptionSpec EntityType = OptionSpec.Value("entity-type", "users|clients|ips", "the entity type, as kafka-configs.sh spells it");
    private static readonly OptionSpec EntityName = OptionSpec.Value("entity-name", "name", "the entity's name");
    private static readonly OptionSpec EntityDefault = OptionSpec.Flag("entity-default", "the entity type's default instead of a name");
    private static readonly OptionSpec User = OptionSpec.Value("user", "name", "a user entity");
    private static readonly OptionSpec UserDefault = OptionSpec.Flag("user-default", "the default user entity");
    private static readonly OptionSpec ClientId = OptionSpec.Value("client-id", "id", "a client-id entity");
    private static readonly OptionSpec ClientDefault = OptionSpec.Flag("client-default", "the default client-id entity");
    private static readonly OptionSpec Ip = OptionSpec.Value("ip", "address", "an ip entity");
    private static readonly OptionSpec AddConfig = OptionSpec.Many("add-config", "k=v[,k=v]", "set: quota keys to set (producer_byte_rate, consumer_byte_rate, request_percentage)");
    private static readonly OptionSpec DeleteConfig = OptionSpec.Many("delete-config", "k[,k]", "set: quota keys to remove");
    private static readonly OptionSpec ValidateOnly = OptionSpec.Flag("validate-only", "set: check without changing anything");

    public override string Name => "quota";

    public override string Summary => "set and describe client quotas";

    public override string Synopsis =>
        "Usage: runnel quota set (--client-id <id> | --user <name> | --entity-type clients --entity-name <id> | ...) --add-config producer_byte_rate=1024 [--delete-config k]\n"
        + "       runnel quota describe [entity options]\n"
        + "The action may also be written --alter (set) or --describe.";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        BootstrapServer, ConfigFile, EntityType, EntityName, EntityDefault, User, UserDefault, ClientId, ClientDefault, Ip, AddConfig, DeleteConfig, ValidateOnly,
        OptionSpec.Flag("alter", "same as the 'set' action"), OptionSpec.Flag("describe", "same as the 'describe' action"), Help,
    ];

    public override int MaxPositionals => 1;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var action = args.Positionals.FirstOrDefault() ?? (args.Has("alter") ? "set" : args.Has("describe") ? "describe" : null);
        if (action is null || !Actions.Contains(action))
            throw new UsageException("Say what to do: set or describe.");
        var entity = EntityOf(args);
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = BootstrapOf(args) });
        if (action == "describe")
        {
            var filter = entity.Select(e => new QuotaFilterComponent(e.Key, e.Value is null ? QuotaMatch.Default : QuotaMatch.Exact, e.Value));
            var described = await admin.DescribeClientQuotasAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false);
            await Table.WriteAsync(console.Out, ["ENTITY", "KEY", "VALUE"],
                described.SelectMany(d => d.Values.Select(v => new[] { d.Entity.ToString(), v.Key, v.Value.ToString(CultureInfo.InvariantCulture) }))).ConfigureAwait(false);
            return CliApp.Ok;
        }
        if (entity.Count == 0)
            throw new UsageException("set needs an entity: --client-id, --user, --ip or --entity-type with --entity-name or --entity-default.");
        var changes = new List<QuotaChange>();
        foreach (var pair in args.GetAll(AddConfig.Name).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw new UsageException($"--add-config takes key=number pairs, not '{pair}'.");
            changes.Add(new QuotaChange(parts[0].Trim(), value));
        }
        changes.AddRange(args.GetAll(DeleteConfig.Name).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(k => new QuotaChange(k.Trim(), null)));
        if (changes.Count == 0)
            throw new UsageException("set needs --add-config or --delete-config.");
        var results = await admin.AlterClientQuotasAsync([(new QuotaEntity(entity), changes)], args.Has(ValidateOnly.Name), cancellationToken).ConfigureAwait(false);
        foreach (var result in results)
        {
            if (!result.Succeeded)
            {
                await console.Error.WriteLineAsync($"runnel quota: {result}").ConfigureAwait(false);
                return CliApp.Failed;
            }
            await console.Out.WriteLineAsync($"Updated quotas of {result.Entity}.").ConfigureAwait(false);
        }
        return CliApp.Ok;
    }

    private static Dictionary<string, string?> EntityOf(ParsedArguments args)
    {
        var entity = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (args.Get(EntityType.Name) is { } type)
        {
            var kind = type switch
            {
                "users" or "user" => "user",
                "clients" or "client-id" => "client-id",
                "ips" or "ip" => "ip",
                _ => throw new UsageException($"--entity-type takes users, clients or ips, not '{type}'."),
            };
            if (!args.Has(EntityDefault.Name) && args.Get(EntityName.Name) is null)
                throw new UsageException("--entity-type needs --entity-name or --entity-default.");
            entity[kind] = args.Has(EntityDefault.Name) ? null : args.Get(EntityName.Name);
        }
        if (args.Get(User.Name) is { } user)
            entity["user"] = user;
        if (args.Has(UserDefault.Name))
            entity["user"] = null;
        if (args.Get(ClientId.Name) is { } clientId)
            entity["client-id"] = clientId;
        if (args.Has(ClientDefault.Name))
            entity["client-id"] = null;
        if (args.Get(Ip.Name) is { } ip)
            entity["ip"] = ip;
        return entity;
    }
}
