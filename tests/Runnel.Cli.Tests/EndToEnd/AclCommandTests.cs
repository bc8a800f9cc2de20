using Runnel.Cli.Tests.Support;
using Runnel.Client.Tests.Support;

namespace Runnel.Cli.Tests.EndToEnd;

/// <summary><c>runnel acl</c> against an in-process broker with the StandardAuthorizer (the CLI connects as ANONYMOUS, a super user).</summary>
public sealed class AclCommandTests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync(
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users=User:ANONYMOUS");

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private Task<CliResult> Run(params string[] args) => CliRun.RunAsync([.. args, "--bootstrap-server", _broker.BootstrapServers]);

    [Fact]
    public async Task Add_list_and_remove_with_kafka_acls_spellings()
    {
        var added = await Run("acl", "--add", "--allow-principal", "User:alice", "--operation", "Read", "--operation", "Describe", "--topic", "orders");
        Assert.Equal(CliApp.Ok, added.ExitCode);
        Assert.StartsWith("Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: ", added.Out, StringComparison.Ordinal);
        Assert.Equal(CliApp.Ok, (await Run("acl", "add", "--deny-principal", "User:bob", "--operation", "Write", "--topic", "ord", "--resource-pattern-type", "prefixed", "--host", "10.0.0.9")).ExitCode);
        Assert.Equal(CliApp.Ok, (await Run("acl", "add", "--allow-principal", "User:svc", "--operation", "ClusterAction", "--cluster")).ExitCode);
        Assert.Equal(CliApp.Ok, (await Run("acl", "add", "--allow-principal", "User:alice", "--operation", "READ", "--group", "g1", "--transactional-id", "tx")).ExitCode);

        var all = (await Run("acl", "--list")).Out;
        Assert.Contains(" \t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)", all, StringComparison.Ordinal);
        Assert.Contains(" \t(principal=User:alice, host=*, operation=DESCRIBE, permissionType=ALLOW)", all, StringComparison.Ordinal);
        Assert.Contains("`ResourcePattern(resourceType=TOPIC, name=ord, patternType=PREFIXED)`", all, StringComparison.Ordinal);
        Assert.Contains(" \t(principal=User:bob, host=10.0.0.9, operation=WRITE, permissionType=DENY)", all, StringComparison.Ordinal);
        Assert.Contains("resourceType=CLUSTER, name=kafka-cluster", all, StringComparison.Ordinal);
        Assert.Contains("resourceType=TRANSACTIONAL_ID, name=tx", all, StringComparison.Ordinal);
        Assert.Contains("operation=CLUSTER_ACTION", all, StringComparison.Ordinal);

        // MATCH lists what applies to a name: the PREFIXED ord for orders-eu, not the LITERAL orders.
        var matching = (await Run("acl", "list", "--topic", "orders-eu", "--resource-pattern-type", "match")).Out;
        Assert.Contains("name=ord, patternType=PREFIXED", matching, StringComparison.Ordinal);
        Assert.DoesNotContain("name=orders,", matching, StringComparison.Ordinal);

        var removed = await Run("acl", "--remove", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "orders", "--force");
        Assert.Equal(CliApp.Ok, removed.ExitCode);
        Assert.Contains("operation=READ", removed.Out, StringComparison.Ordinal);
        var left = (await Run("acl", "list", "--topic", "orders")).Out;
        Assert.DoesNotContain("operation=READ", left, StringComparison.Ordinal);
        Assert.Contains("operation=DESCRIBE", left, StringComparison.Ordinal);
        Assert.Equal(CliApp.Ok, (await Run("acl", "remove", "--topic", "orders")).ExitCode);
        Assert.Equal("", (await Run("acl", "list", "--topic", "orders")).Out);
    }

    [Fact]
    public async Task Bad_input_is_a_usage_error_and_a_refused_acl_fails_with_kafkas_error_name()
    {
        Assert.Equal(CliApp.BadUsage, (await Run("acl", "add", "--allow-principal", "User:alice", "--topic", "t")).ExitCode);
        Assert.Equal(CliApp.BadUsage, (await Run("acl", "add", "--allow-principal", "User:alice", "--operation", "Fly", "--topic", "t")).ExitCode);
        var refused = await Run("acl", "add", "--allow-principal", "alice", "--operation", "Read", "--topic", "t");
        Assert.Equal(CliApp.Failed, refused.ExitCode);
        Assert.Contains("INVALID_REQUEST", refused.Error, StringComparison.Ordinal);
    }
}
