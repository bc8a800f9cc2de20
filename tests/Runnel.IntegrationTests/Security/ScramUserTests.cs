using Confluent.Kafka;
using Runnel.Cli;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// SCRAM users kept by the metadata quorum: created with <c>runnel user add</c> or the admin client over a PLAINTEXT
/// listener, they authenticate Confluent.Kafka 2.16 and kcat on a SASL_PLAINTEXT listener whose JAAS config lists
/// no user; a wrong password is SASL_AUTHENTICATION_FAILED and a removed credential refuses new connections.
/// </summary>
public sealed class ScramUserTests
{
    public ScramUserTests() => KafkaNative.EnsureLoaded();

    private static Task<BrokerFixture> StartAsync() => BrokerFixture.StartAsync(new Dictionary<string, string>
    {
        ["listeners"] = "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
        ["listener.name.sasl_plaintext.sasl.enabled.mechanisms"] = "SCRAM-SHA-256,SCRAM-SHA-512",
        ["listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config"] = "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        ["listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config"] = "org.apache.kafka.common.security.scram.ScramLoginModule required;",
    });

    private static string Plain(BrokerFixture broker) => $"127.0.0.1:{broker.Broker.Services.BoundEndpoints["PLAINTEXT"].Port}";

    private static string Sasl(BrokerFixture broker) => $"127.0.0.1:{broker.Broker.Services.BoundEndpoints["SASL_PLAINTEXT"].Port}";

    private static T Scram<T>(T config, SaslMechanism mechanism, string user, string password)
        where T : ClientConfig
    {
        config.SecurityProtocol = SecurityProtocol.SaslPlaintext;
        config.SaslMechanism = mechanism;
        config.SaslUsername = user;
        config.SaslPassword = password;
        return config;
    }

    private static async Task<(int ExitCode, string Out, string Error)> CliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await CliApp.RunAsync(args, new CliConsole(new StringReader(""), stdout, stderr, false, false, false), timeout.Token);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The first error librdkafka reports for an admin client with these settings, or null when metadata came back.</summary>
    private static async Task<Error?> FirstErrorAsync(AdminClientConfig config)
    {
        var error = new TaskCompletionSource<Error?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var admin = new AdminClientBuilder(config).SetErrorHandler((_, e) => error.TrySetResult(e)).Build();
        var metadata = Task.Run(() =>
        {
            try
            {
                admin.GetMetadata(TimeSpan.FromSeconds(10));
                error.TrySetResult(null);
            }
            catch (KafkaException)
            {
            }
        });
        return await error.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_user_added_with_the_cli_authenticates_Confluent_and_kcat_with_both_mechanisms_until_removed()
    {
        await using var broker = await StartAsync();
        var add256 = await CliAsync("user", "add", "carol", "--password", "carol-secret", "--bootstrap-server", Plain(broker));
        Assert.True(add256.ExitCode == CliApp.Ok, add256.Error);
        var add512 = await CliAsync("user", "add", "carol", "--password", "carol-secret", "--mechanism", "SCRAM-SHA-512", "--iterations", "8192",
            "--bootstrap-server", Plain(broker));
        Assert.True(add512.ExitCode == CliApp.Ok, add512.Error);
        var listed = await CliAsync("user", "list", "--bootstrap-server", Plain(broker));
        Assert.Contains("carol  SCRAM-SHA-256  4096", listed.Out.Replace("   ", "  ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("SCRAM-SHA-512  8192", listed.Out, StringComparison.Ordinal);

        using (var producer = new ProducerBuilder<Null, string>(Scram(new ProducerConfig { BootstrapServers = Sasl(broker), Acks = Acks.All },
            SaslMechanism.ScramSha256, "carol", "carol-secret")).Build())
        {
            for (var i = 0; i < 20; i++)
                await producer.ProduceAsync("scram", new Message<Null, string> { Value = $"v{i}" });
            Assert.Contains(broker.Broker.Connections, c => c.Principal == "User:carol");
        }

        var consume = await ExternalProcess.RunAsync("kcat",
            ["-b", Sasl(broker), "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=carol",
                "-X", "sasl.password=carol-secret", "-t", "scram", "-C", "-e", "-o", "beginning"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(consume.ExitCode == 0, ExternalProcess.Describe(consume));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"v{i}"), consume.Lines);

        var wrong = await FirstErrorAsync(Scram(new AdminClientConfig { BootstrapServers = Sasl(broker) }, SaslMechanism.ScramSha512, "carol", "wrong"));
        Assert.Equal(ErrorCode.Local_Authentication, wrong?.Code);
        Assert.Contains("invalid credentials with SASL mechanism SCRAM-SHA-512", wrong!.Reason, StringComparison.Ordinal);

        var removed = await CliAsync("user", "remove", "carol", "--mechanism", "SCRAM-SHA-256", "--bootstrap-server", Plain(broker));
        Assert.True(removed.ExitCode == CliApp.Ok, removed.Error);
        var refused = await FirstErrorAsync(Scram(new AdminClientConfig { BootstrapServers = Sasl(broker) }, SaslMechanism.ScramSha256, "carol", "carol-secret"));
        Assert.Equal(ErrorCode.Local_Authentication, refused?.Code);
        // The other mechanism's credential is still there.
        Assert.Null(await FirstErrorAsync(Scram(new AdminClientConfig { BootstrapServers = Sasl(broker) }, SaslMechanism.ScramSha512, "carol", "carol-secret")));
        var again = await CliAsync("user", "remove", "carol", "--mechanism", "SCRAM-SHA-256", "--bootstrap-server", Plain(broker));
        Assert.Equal(CliApp.Failed, again.ExitCode);
        Assert.Contains("RESOURCE_NOT_FOUND", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admin_client_reports_refusals_per_user_and_credentials_survive_a_restart()
    {
        await using var broker = await StartAsync();
        await using (var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = Plain(broker) }))
        {
            var results = await admin.AlterUserScramCredentialsAsync(
            [
                new ScramCredentialUpsertion("dave", ScramMechanism.ScramSha256, "dave-secret", 4096),
                new ScramCredentialUpsertion("few", ScramMechanism.ScramSha256, "x", 1000),
                new ScramCredentialDeletion("ghost", ScramMechanism.ScramSha512),
            ]);
            Assert.Equal(Runnel.Protocol.ErrorCode.None, results.Single(r => r.User == "dave").Error);
            Assert.Equal(Runnel.Protocol.ErrorCode.UnacceptableCredential, results.Single(r => r.User == "few").Error);
            Assert.Equal(Runnel.Protocol.ErrorCode.ResourceNotFound, results.Single(r => r.User == "ghost").Error);
            var described = await admin.DescribeUserScramCredentialsAsync();
            Assert.Equal([new ScramCredentialInfo(ScramMechanism.ScramSha256, 4096)], described["dave"]);
        }
        await broker.RestartAsync();
        Assert.Null(await FirstErrorAsync(Scram(new AdminClientConfig { BootstrapServers = Sasl(broker) }, SaslMechanism.ScramSha256, "dave", "dave-secret")));
    }
}
