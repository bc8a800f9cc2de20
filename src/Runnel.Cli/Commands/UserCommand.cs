using System.Globalization;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel user add|remove|list</c>: SCRAM credentials kept by the cluster (what kafka-configs.sh --entity-type users
/// --alter --add-config 'SCRAM-SHA-256=[iterations=N,password=P]' and --delete-config do). add salts the password
/// here and sends only the salt and salted password; list shows each user's mechanisms and iterations.
/// </summary>
internal sealed class UserCommand : CliCommand
{
    private static readonly string[] Actions = ["add", "remove", "list"];
    private static readonly OptionSpec Mechanism = OptionSpec.Value("mechanism", "name", "SCRAM-SHA-256 (default) or SCRAM-SHA-512");
    private static readonly OptionSpec Iterations = OptionSpec.Value("iterations", "n", "add: PBKDF2 iterations, 4096 (default) to 16384");
    private static readonly OptionSpec Password = OptionSpec.Value("password", "text", "add: the user's password");

    public override string Name => "user";

    public override string Summary => "add, remove and list SCRAM users";

    public override string Synopsis =>
        "Usage: runnel user add <name> --password <p> [--mechanism SCRAM-SHA-256|SCRAM-SHA-512] [--iterations n]\n"
        + "       runnel user remove <name> [--mechanism SCRAM-SHA-256|SCRAM-SHA-512]\n"
        + "       runnel user list [<name>...]";

    public override IReadOnlyList<OptionSpec> Options { get; } = [BootstrapServer, ConfigFile, Mechanism, Iterations, Password, Help];

    public override int MaxPositionals => 64;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var action = args.Positionals.FirstOrDefault();
        if (action is null || !Actions.Contains(action))
            throw new UsageException("Say what to do: add, remove or list.");
        var names = args.Positionals.Skip(1).ToList();
        var mechanism = MechanismOf(args.Get(Mechanism.Name) ?? "SCRAM-SHA-256");
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = BootstrapOf(args) });
        if (action == "list")
        {
            var users = await admin.DescribeUserScramCredentialsAsync(names.Count == 0 ? null : names, cancellationToken).ConfigureAwait(false);
            await Table.WriteAsync(console.Out, ["USER", "MECHANISM", "ITERATIONS"],
                users.SelectMany(u => u.Value.Select(c => new[] { u.Key, NameOf(c.Mechanism), c.Iterations.ToString(CultureInfo.InvariantCulture) }))).ConfigureAwait(false);
            return CliApp.Ok;
        }
        if (names.Count != 1)
            throw new UsageException($"{action} needs one user name: runnel user {action} <name>.");
        ScramCredentialAlteration alteration;
        if (action == "add")
        {
            var password = args.Get(Password.Name) ?? throw new UsageException("add needs --password.");
            var iterations = args.Get(Iterations.Name) is { } text
                ? int.TryParse(text, CultureInfo.InvariantCulture, out var n) ? n : throw new UsageException($"--iterations needs a number, not '{text}'.")
                : 4096;
            alteration = new ScramCredentialUpsertion(names[0], mechanism, password, iterations);
        }
        else
        {
            alteration = new ScramCredentialDeletion(names[0], mechanism);
        }
        var results = await admin.AlterUserScramCredentialsAsync([alteration], cancellationToken).ConfigureAwait(false);
        foreach (var result in results.Where(r => !r.Succeeded))
            await console.Error.WriteLineAsync($"runnel user: {result}").ConfigureAwait(false);
        if (results.Any(r => !r.Succeeded))
            return CliApp.Failed;
        await console.Out.WriteLineAsync(action == "add"
            ? $"Set {NameOf(mechanism)} credential of user {names[0]}."
            : $"Removed {NameOf(mechanism)} credential of user {names[0]}.").ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static ScramMechanism MechanismOf(string name) => name.ToUpperInvariant() switch
    {
        "SCRAM-SHA-256" => ScramMechanism.ScramSha256,
        "SCRAM-SHA-512" => ScramMechanism.ScramSha512,
        _ => throw new UsageException($"--mechanism takes SCRAM-SHA-256 or SCRAM-SHA-512, not '{name}'."),
    };

    private static string NameOf(ScramMechanism mechanism) => mechanism == ScramMechanism.ScramSha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}
