using Avro.Generic;
using Confluent.Kafka;
using Confluent.Kafka.SyncOverAsync;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.IntegrationTests.KafkaPython;

namespace Runnel.IntegrationTests.SchemaRegistry;

/// <summary>
/// python3-confluent-kafka's schema_registry client (Debian's, with python3-avro) and Confluent's .NET serdes on one
/// registry: each reads what the other wrote, by the schema id in the records.
/// </summary>
public sealed class PythonSchemaRegistryTests
{
    public PythonSchemaRegistryTests() => KafkaNative.EnsureLoaded();

    [Fact]
    public async Task Python_and_dotnet_clients_share_schemas_and_read_each_others_records()
    {
        await using var broker = await BrokerFixture.StartAsync(http: true);
        var url = broker.HttpAddress.ToString().TrimEnd('/');
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = url });
        var schema = (Avro.RecordSchema)Avro.Schema.Parse(ConfluentSerdesTests.UserSchema);
        using (var producer = new ProducerBuilder<Null, GenericRecord>(new ProducerConfig { BootstrapServers = broker.Bootstrap })
            .SetValueSerializer(new AvroSerializer<GenericRecord>(registry)).Build())
        {
            for (var i = 0; i < 3; i++)
            {
                var user = new GenericRecord(schema);
                user.Add("name", $"dotnet-{i}");
                user.Add("age", 30 + i);
                await producer.ProduceAsync("dotnet-users", new Message<Null, GenericRecord> { Value = user });
            }
        }
        var dotnetId = (await registry.GetLatestSchemaAsync("dotnet-users-value")).Id;

        var result = await Python.RunAsync("schema_registry_avro.py", url, broker.Bootstrap, "py-readings", "dotnet-users", "3");
        var pythonId = (await registry.GetLatestSchemaAsync("py-readings-value")).Id;
        Assert.NotEqual(dotnetId, pythonId);
        Assert.Equal([
            $"registered {pythonId} 1 True",
            "compatible False True",
            "refused 409 409",
            "produced 5",
            $"read 0 {dotnetId} dotnet-0 30",
            $"read 0 {dotnetId} dotnet-1 31",
            $"read 0 {dotnetId} dotnet-2 32",
        ], result.Lines);

        using var consumer = new ConsumerBuilder<Ignore, GenericRecord>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "dotnet-readers",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetValueDeserializer(new AvroDeserializer<GenericRecord>(registry).AsSyncOverAsync()).Build();
        consumer.Subscribe("py-readings");
        var read = ConfluentSerdesTests.ConsumeUntil(consumer, 5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"s{i}:{20.5 + i:0.0}"), read.Select(r => $"{r["sensor"]}:{(double)r["celsius"]:0.0}"));
    }
}
