using Avro.Generic;
using Confluent.Kafka;
using Confluent.Kafka.SyncOverAsync;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.SchemaRegistry;

/// <summary>
/// Confluent.SchemaRegistry 2.16 and its Avro and JSON serdes against Runnel's registry (the broker's HTTP listener)
/// while Confluent.Kafka 2.16 produces and consumes through the same broker: what a .NET team moving off Confluent runs.
/// </summary>
public sealed class ConfluentSerdesTests
{
    internal const string UserSchema = """
        {"type":"record","name":"User","namespace":"example","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}
        """;

    public ConfluentSerdesTests() => KafkaNative.EnsureLoaded();

    [Fact]
    public async Task Avro_serializer_registers_the_schema_and_the_deserializer_reads_the_records_back()
    {
        await using var broker = await BrokerFixture.StartAsync(http: true);
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = broker.HttpAddress.ToString() });
        var schema = (Avro.RecordSchema)Avro.Schema.Parse(UserSchema);
        using (var producer = new ProducerBuilder<string, GenericRecord>(new ProducerConfig { BootstrapServers = broker.Bootstrap })
            .SetValueSerializer(new AvroSerializer<GenericRecord>(registry)).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                var user = new GenericRecord(schema);
                user.Add("name", $"user-{i}");
                user.Add("age", 20 + i);
                await producer.ProduceAsync("users", new Message<string, GenericRecord> { Key = $"k{i}", Value = user });
            }
        }
        var latest = await registry.GetLatestSchemaAsync("users-value");
        Assert.Equal(1, latest.Version);
        Assert.Equal("users-value", latest.Subject);
        Assert.Equal(["users-value"], await registry.GetAllSubjectsAsync());

        using var consumer = new ConsumerBuilder<string, GenericRecord>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "avro-readers",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetValueDeserializer(new AvroDeserializer<GenericRecord>(registry).AsSyncOverAsync()).Build();
        consumer.Subscribe("users");
        var read = ConsumeUntil(consumer, 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"user-{i}:{20 + i}"), read.Select(r => $"{r["name"]}:{r["age"]}"));
        // kcat (Debian's 1.7.1 has no Avro mode: it is built without libserdes) reads the bytes as written: Confluent's
        // framing, magic 0 and the schema id big-endian, then the Avro body (zigzag string length, text, zigzag int).
        var kcat = await ExternalProcess.RunAsync("kcat", ["-C", "-b", broker.Bootstrap, "-t", "users", "-o", "beginning", "-c", "1", "-e", "-f", "%s"]);
        Assert.True(kcat.ExitCode == 0, ExternalProcess.Describe(kcat));
        var expected = Enumerable.Range(0, 10).Select(i =>
            new string([(char)0, (char)(latest.Id >> 24), (char)((latest.Id >> 16) & 0xff), (char)((latest.Id >> 8) & 0xff), (char)(latest.Id & 0xff), (char)12])
            + $"user-{i}" + (char)((20 + i) * 2));
        Assert.Contains(kcat.Stdout, expected);
        // A registry client with an empty cache finds the schema by the id the records carry.
        using var fresh = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = broker.HttpAddress.ToString() });
        var byId = await fresh.GetSchemaAsync(latest.Id);
        Assert.Equal(schema, Avro.Schema.Parse(byId.SchemaString));
    }

    public sealed class Order
    {
        public string Item { get; set; } = "";

        public int Quantity { get; set; }
    }

    [Fact]
    public async Task Json_serializer_registers_a_json_schema_and_the_deserializer_reads_the_records_back()
    {
        await using var broker = await BrokerFixture.StartAsync(http: true);
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = broker.HttpAddress.ToString() });
        using (var producer = new ProducerBuilder<Null, Order>(new ProducerConfig { BootstrapServers = broker.Bootstrap })
            .SetValueSerializer(new JsonSerializer<Order>(registry)).Build())
        {
            for (var i = 0; i < 5; i++)
                await producer.ProduceAsync("orders", new Message<Null, Order> { Value = new Order { Item = $"item-{i}", Quantity = i } });
        }
        var latest = await registry.GetLatestSchemaAsync("orders-value");
        Assert.Equal(SchemaType.Json, latest.SchemaType);
        Assert.Contains("Quantity", latest.SchemaString, StringComparison.Ordinal);

        using var consumer = new ConsumerBuilder<Null, Order>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "json-readers",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetValueDeserializer(new JsonDeserializer<Order>(registry).AsSyncOverAsync()).Build();
        consumer.Subscribe("orders");
        var read = ConsumeUntil(consumer, 5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"item-{i}x{i}"), read.Select(o => $"{o.Item}x{o.Quantity}"));
    }

    [Fact]
    public async Task A_schema_referencing_another_registers_and_serialises()
    {
        await using var broker = await BrokerFixture.StartAsync(http: true);
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = broker.HttpAddress.ToString() });
        const string address = """{"type":"record","name":"Address","namespace":"example","fields":[{"name":"city","type":"string"}]}""";
        const string customer = """{"type":"record","name":"Customer","namespace":"example","fields":[{"name":"name","type":"string"},{"name":"home","type":"example.Address"}]}""";
        var addressId = await registry.RegisterSchemaAsync("address", new Schema(address, SchemaType.Avro));
        var customerId = await registry.RegisterSchemaAsync("customer", new Schema(customer, [new SchemaReference("example.Address", "address", 1)], SchemaType.Avro));
        Assert.NotEqual(addressId, customerId);
        var registered = await registry.GetLatestSchemaAsync("customer");
        Assert.Equal("example.Address", Assert.Single(registered.References).Name);
        // A reference to a version that does not exist is an invalid schema (422).
        var missing = await Assert.ThrowsAsync<SchemaRegistryException>(() =>
            registry.RegisterSchemaAsync("customer2", new Schema(customer, [new SchemaReference("example.Address", "address", 7)], SchemaType.Avro)));
        Assert.Equal(42201, missing.ErrorCode);
    }

    internal static List<T> ConsumeUntil<TKey, T>(IConsumer<TKey, T> consumer, int count)
    {
        var read = new List<T>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (read.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { } result)
                read.Add(result.Message.Value);
        }
        Assert.Equal(count, read.Count);
        return read;
    }
}
