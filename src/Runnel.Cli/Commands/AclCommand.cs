using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Protocol.Acls;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel acl add|list|remove</c>, with kafka-acls.sh's spellings (<c>--add --allow-principal User:alice --operation
/// Read --topic T</c>): add creates an ACL per principal × operation × resource (ALLOW for --allow-principal, DENY for
/// --deny-principal; host --host, default "*"); list prints the ACLs of the named resources (all without one) as
/// kafka-acls.sh does; remove deletes the ACLs the options match (every ACL of the resources when no principal or
/// operation is given). --resource-pattern-type is literal (the default) or prefixed, and for list and remove also any
/// or match.
/// </summary>
internal sealed class AclCommand : CliCommand
{
    private static readonly string[] Actions = ["add", "list", "remove"];
    private static readonly OptionSpec AllowPrincipal = OptionSpec.Many("allow-principal", "Type:name", "principal to allow (User:alice, User:*)");
    private static readonly OptionSpec DenyPrincipal = OptionSpec.Many("deny-principal", "Type:name", "principal to deny");
    private static readonly OptionSpec Principal = OptionSpec.Many("principal", "Type:name", "list or remove only the ACLs of this principal");
    private static readonly OptionSpec Host = OptionSpec.Value("host", "address", "the client address the ACL applies to (default *)", "allow-host", "deny-host");
    private static readonly OptionSpec Operation = OptionSpec.Many("operation", "op", "Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, All");
    private static readonly OptionSpec Topic = OptionSpec.Many("topic", "name", "a topic resource", "t");
    private static readonly OptionSpec Group = OptionSpec.Many("group", "id", "a consumer group resource", "g");
    private static readonly OptionSpec TransactionalId = OptionSpec.Many("transactional-id", "id", "a transactional id resource");
    private static readonly OptionSpec ClusterResource = OptionSpec.Flag("cluster", "the cluster resource");
    private static readonly OptionSpec PatternType = OptionSpec.Value("resource-pattern-type", "type", "literal (default), prefixed; for list and remove also any, match");
    private static readonly OptionSpec Force = OptionSpec.Flag("force", "accepted for kafka-acls.sh compatibility (remove never asks)");

    public override string Name => "acl";

    public override string Summary => "add, list and remove ACLs";

    public override string Synopsis =>
        "Usage: runnel acl add (--allow-principal|--deny-principal) <Type:name> --operation <op> (--topic <t>|--group <g>|--transactional-id <id>|--cluster) [--host <h>] [--resource-pattern-type prefixed]\n"
        + "       runnel acl list [resource options] [--principal <Type:name>]\n"
        + "       runnel acl remove [same options as add]\n"
        + "The action may also be written --add, --list or --remove.";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        BootstrapServer, ConfigFile, AllowPrincipal, DenyPrincipal, Principal, Host, Operation, Topic, Group, TransactionalId, ClusterResource, PatternType, Force,
        .. Actions.Select(a => OptionSpec.Flag(a, $"same as the '{a}' action")), Help,
    ];

    public override int MaxPositionals => 1;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var action = Actions.FirstOrDefault(a => args.Has(a) || args.Positionals.Contains(a))
            ?? throw new UsageException(args.Positionals.Count > 0 ? $"Unknown action '{args.Positionals[0]}'; the actions are add, list and remove." : "Say what to do: add, list or remove.");
        var resources = Resources(args);
        var pattern = ParsePattern(args.Get(PatternType.Name) ?? "literal", action == "add");
        var host = args.Get(Host.Name) ?? "*";
        var operations = args.GetAll(Operation.Name).Select(ParseOperation).ToList();
        var entries = args.GetAll(AllowPrincipal.Name).Select(p => (Principal: p, Permission: AclPermissionType.Allow))
            .Concat(args.GetAll(DenyPrincipal.Name).Select(p => (Principal: p, Permission: AclPermissionType.Deny))).ToList();
        await using var admin = new RunnelAdminClient(AdminOptionsOf(args));
        switch (action)
        {
            case "add":
                if (resources.Count == 0 || entries.Count == 0 || operations.Count == 0)
                    throw new UsageException("add needs a resource (--topic, --group, --transactional-id or --cluster), a principal (--allow-principal or --deny-principal) and an --operation.");
                var acls = (from r in resources
                            from e in entries
                            from o in operations
                            select new AclBinding(r.Type, r.Name, pattern, e.Principal, host, o, e.Permission)).ToList();
                await admin.CreateAclsAsync(acls, cancellationToken).ConfigureAwait(false);
                foreach (var group in acls.GroupBy(a => (a.ResourceType, a.ResourceName, a.PatternType)))
                    await WriteAsync(console, "Adding ACLs for resource", group.Key, group).ConfigureAwait(false);
                return CliApp.Ok;
            case "list":
                var principals = args.GetAll(Principal.Name);
                var filters = resources.Count == 0
                    ? [new AclBindingFilter(PatternType: args.Has(PatternType.Name) ? pattern : AclPatternType.Any)]
                    : resources.Select(r => new AclBindingFilter(r.Type, r.Name, pattern)).ToList();
                var listed = new List<AclBinding>();
                foreach (var filter in filters)
                    listed.AddRange(await admin.DescribeAclsAsync(filter, cancellationToken).ConfigureAwait(false));
                foreach (var group in listed.Where(a => principals.Count == 0 || principals.Contains(a.Principal)).Distinct()
                    .GroupBy(a => (a.ResourceType, a.ResourceName, a.PatternType)).OrderBy(g => g.Key.ResourceType).ThenBy(g => g.Key.ResourceName, StringComparer.Ordinal))
                    await WriteAsync(console, "Current ACLs for resource", group.Key, group).ConfigureAwait(false);
                return CliApp.Ok;
            default:
                if (resources.Count == 0)
                    throw new UsageException("remove needs a resource (--topic, --group, --transactional-id or --cluster).");
                var removeFilters = entries.Count == 0
                    ? [.. from r in resources from o in operations.DefaultIfEmpty(AclOperation.Any)
                          select new AclBindingFilter(r.Type, r.Name, pattern, null, args.Get(Host.Name), o)]
                    : (from r in resources
                       from e in entries
                       from o in operations.DefaultIfEmpty(AclOperation.Any)
                       select new AclBindingFilter(r.Type, r.Name, pattern, e.Principal, args.Get(Host.Name), o, e.Permission)).ToList();
                var removed = await admin.DeleteAclsAsync(removeFilters, cancellationToken).ConfigureAwait(false);
                foreach (var group in removed.GroupBy(a => (a.ResourceType, a.ResourceName, a.PatternType)))
                    await WriteAsync(console, "Removed ACLs for resource", group.Key, group).ConfigureAwait(false);
                return CliApp.Ok;
        }
    }

    private static async Task WriteAsync(CliConsole console, string title, (AclResourceType Type, string Name, AclPatternType Pattern) resource, IEnumerable<AclBinding> acls)
    {
        await console.Out.WriteLineAsync($"{title} `ResourcePattern(resourceType={Upper(resource.Type)}, name={resource.Name}, patternType={Upper(resource.Pattern)})`: ").ConfigureAwait(false);
        foreach (var acl in acls)
            await console.Out.WriteLineAsync($" \t(principal={acl.Principal}, host={acl.Host}, operation={Upper(acl.Operation)}, permissionType={Upper(acl.Permission)})").ConfigureAwait(false);
        await console.Out.WriteLineAsync().ConfigureAwait(false);
    }

    /// <summary>Kafka's names: TRANSACTIONAL_ID, CLUSTER_ACTION, DESCRIBE_CONFIGS.</summary>
    internal static string Upper<T>(T value)
        where T : struct, Enum
        => string.Concat(value.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));

    private static List<(AclResourceType Type, string Name)> Resources(ParsedArguments args)
    {
        var resources = new List<(AclResourceType, string)>();
        resources.AddRange(args.GetAll(Topic.Name).Select(t => (AclResourceType.Topic, t)));
        resources.AddRange(args.GetAll(Group.Name).Select(g => (AclResourceType.Group, g)));
        resources.AddRange(args.GetAll(TransactionalId.Name).Select(t => (AclResourceType.TransactionalId, t)));
        if (args.Has(ClusterResource.Name))
            resources.Add((AclResourceType.Cluster, "kafka-cluster"));
        return resources;
    }

    private static AclPatternType ParsePattern(string text, bool forAdd)
    {
        var pattern = Normalized(text) switch
        {
            "literal" => AclPatternType.Literal,
            "prefixed" => AclPatternType.Prefixed,
            "any" when !forAdd => AclPatternType.Any,
            "match" when !forAdd => AclPatternType.Match,
            _ => (AclPatternType?)null,
        };
        return pattern ?? throw new UsageException($"Unknown --resource-pattern-type '{text}'.");
    }

    /// <summary>An operation as kafka-acls.sh spells it (Read, IdempotentWrite), or upper-case with underscores (CLUSTER_ACTION).</summary>
    internal static AclOperation ParseOperation(string text)
    {
        var wanted = Normalized(text);
        foreach (var operation in Enum.GetValues<AclOperation>())
        {
            if (operation is not (AclOperation.Unknown or AclOperation.Any) && Normalized(operation.ToString()) == wanted)
                return operation;
        }
        throw new UsageException($"Unknown --operation '{text}'.");
    }

    private static string Normalized(string text) => text.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
}
