using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// `runnel acl` against a SASL listener with the StandardAuthorizer on, authenticating with --command-config: the super
/// user adds and lists ACLs; a principal without ALTER on the cluster is refused with CLUSTER_AUTHORIZATION_FAILED.
/// </summary>
public sealed class AclCommandSaslTests(AclFixture fixture) : IClassFixture<AclFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("runnel-acl-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Config(string user)
    {
        var path = Path.Combine(_directory, $"{user}.properties");
        File.WriteAllLines(path,
        [
            "security.protocol=SASL_PLAINTEXT",
            "sasl.mechanism=PLAIN",
            $"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"{user}\" password=\"{user}-secret\";",
        ]);
        return path;
    }

    [Fact]
    public async Task The_super_user_adds_and_lists_ACLs_and_another_principal_may_not()
    {
        var bootstrap = fixture.Broker.Bootstrap;
        var added = await RunnelCli.RunAsync("acl", "--add", "--allow-principal", "User:bob", "--operation", "Read", "--topic", "cli-acl-topic",
            "--bootstrap-server", bootstrap, "--command-config", Config("admin"));
        Assert.True(added.ExitCode == 0, ExternalProcess.Describe(added));
        var listed = await RunnelCli.RunAsync("acl", "--list", "--topic", "cli-acl-topic", "--bootstrap-server", bootstrap, "--command-config", Config("admin"));
        Assert.True(listed.ExitCode == 0, ExternalProcess.Describe(listed));
        Assert.Contains("User:bob", listed.Stdout, StringComparison.Ordinal);
        Assert.Contains("READ", listed.Stdout, StringComparison.OrdinalIgnoreCase);

        var refused = await RunnelCli.RunAsync("acl", "--add", "--allow-principal", "User:carol", "--operation", "Write", "--topic", "cli-acl-topic",
            "--bootstrap-server", bootstrap, "--command-config", Config("bob"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("CLUSTER_AUTHORIZATION_FAILED", refused.Stdout + refused.Stderr, StringComparison.Ordinal);
        var after = await RunnelCli.RunAsync("acl", "--list", "--topic", "cli-acl-topic", "--bootstrap-server", bootstrap, "--command-config", Config("admin"));
        Assert.DoesNotContain("User:carol", after.Stdout, StringComparison.Ordinal);
    }
}
