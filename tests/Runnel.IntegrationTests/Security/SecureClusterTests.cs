using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Cluster;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// Three combined nodes whose every connection is secured as in a Kafka server.properties: clients and brokers on a
/// SASL_SSL listener (brokers authenticate to each other with PLAIN, sasl.mechanism.inter.broker.protocol), the quorum
/// and controller traffic on an SSL listener that requires client certificates. Records produced with acks=all are
/// replicated to every broker and read back.
/// </summary>
public sealed class SecureClusterTests : IDisposable
{
    private const string BrokerUser = "broker";
    private const string BrokerPassword = "broker-secret";

    private readonly TestCertificates _certificates = TestCertificates.Create();

    public SecureClusterTests() => KafkaNative.EnsureLoaded();

    public void Dispose() => _certificates.Dispose();

    private Dictionary<string, string> Settings() => new()
    {
        ["listener.security.protocol.map"] = "SASL_SSL:SASL_SSL,CONTROLLER:SSL",
        ["ssl.keystore.type"] = "PEM",
        ["ssl.keystore.location"] = _certificates.ServerKeystorePath,
        ["ssl.key.password"] = TestCertificates.ServerKeyPassword,
        ["ssl.truststore.type"] = "PEM",
        ["ssl.truststore.location"] = _certificates.CaPath,
        ["listener.name.controller.ssl.client.auth"] = "required",
        ["listener.name.sasl_ssl.sasl.enabled.mechanisms"] = "PLAIN",
        ["sasl.mechanism.inter.broker.protocol"] = "PLAIN",
        ["listener.name.sasl_ssl.plain.sasl.jaas.config"] = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + $"username=\"{BrokerUser}\" password=\"{BrokerPassword}\" user_{BrokerUser}=\"{BrokerPassword}\" user_{SecureListeners.User}=\"{SecureListeners.Password}\";",
        ["default.replication.factor"] = "3",
        ["min.insync.replicas"] = "3",
        ["offsets.topic.replication.factor"] = "3",
    };

    private T Client<T>(T config)
        where T : ClientConfig
    {
        config.SecurityProtocol = SecurityProtocol.SaslSsl;
        config.SslCaLocation = _certificates.CaPath;
        config.SaslMechanism = SaslMechanism.Plain;
        config.SaslUsername = SecureListeners.User;
        config.SaslPassword = SecureListeners.Password;
        return config;
    }

    [Fact]
    public async Task Brokers_replicate_over_SASL_SSL_and_the_quorum_runs_over_mutual_TLS()
    {
        await using var cluster = await CombinedCluster.StartAsync(Settings(), clientListener: "SASL_SSL");
        using (var admin = new AdminClientBuilder(Client(new AdminClientConfig { BootstrapServers = cluster.Bootstrap })).Build())
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "replicated", NumPartitions = 3, ReplicationFactor = 3 }]);

        // min.insync.replicas=3 with acks=all: each record is acknowledged only once both followers fetched it.
        const int count = 300;
        using (var producer = new ProducerBuilder<string, string>(Client(new ProducerConfig
        {
            BootstrapServers = cluster.Bootstrap,
            Acks = Acks.All,
            EnableIdempotence = true,
        })).Build())
        {
            var sends = Enumerable.Range(0, count).Select(i => producer.ProduceAsync("replicated", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" }));
            var results = await Task.WhenAll(sends);
            Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        }

        using (var admin = new AdminClientBuilder(Client(new AdminClientConfig { BootstrapServers = cluster.Bootstrap })).Build())
        {
            var description = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames(["replicated"]));
            var partitions = description.TopicDescriptions.Single().Partitions;
            Assert.Equal(3, partitions.Count);
            Assert.All(partitions, p => Assert.Equal(3, p.ISR.Count));
        }

        using var consumer = new ConsumerBuilder<string, string>(Client(new ConsumerConfig
        {
            BootstrapServers = cluster.Bootstrap,
            GroupId = "secure-readers",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        })).Build();
        consumer.Subscribe("replicated");
        var seen = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { } result)
                seen.Add(result.Message.Value);
        }
        consumer.Close();
        Assert.Equal(count, seen.Count);
        // No node ever refused another's connection: replication, markers and the quorum all authenticated.
        Assert.All(cluster.Nodes, node => Assert.DoesNotContain(node.Output, l => l.Contains("Failed authentication", StringComparison.Ordinal)));
    }
}
