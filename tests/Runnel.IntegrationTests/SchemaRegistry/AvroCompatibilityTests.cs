using Confluent.SchemaRegistry;

namespace Runnel.IntegrationTests.SchemaRegistry;

/// <summary>
/// The standard Avro evolution cases under each compatibility level, as Confluent's registry decides them, asked
/// through Confluent.SchemaRegistry 2.16: the compatibility endpoint's answer, and a registration that is accepted or
/// refused with 409.
/// </summary>
public sealed class AvroCompatibilityTests(RegistryBroker registry) : IClassFixture<RegistryBroker>
{
    private const string Base = """{"name":"name","type":"string"},{"name":"age","type":"int"}""";

    private static string User(string fields) => $$"""{"type":"record","name":"User","namespace":"example","fields":[{{fields}}]}""";

    public static TheoryData<string, string, string, bool> Cases => new()
    {
        // level, case, new schema, compatible with the one before
        { "BACKWARD", "add field with default", User(Base + """,{"name":"email","type":"string","default":""}"""), true },
        { "BACKWARD", "add field without default", User(Base + """,{"name":"email","type":"string"}"""), false },
        { "BACKWARD", "remove field without default", User("""{"name":"name","type":"string"}"""), true },
        { "BACKWARD", "change a type", User("""{"name":"name","type":"string"},{"name":"age","type":"string"}"""), false },
        { "BACKWARD", "promote int to long", User("""{"name":"name","type":"string"},{"name":"age","type":"long"}"""), true },
        { "BACKWARD", "widen to a union with the old type", User("""{"name":"name","type":"string"},{"name":"age","type":["null","int"]}"""), true },
        { "FORWARD", "add field without default", User(Base + """,{"name":"email","type":"string"}"""), true },
        { "FORWARD", "remove field without default", User("""{"name":"name","type":"string"}"""), false },
        { "FORWARD", "promote int to long", User("""{"name":"name","type":"string"},{"name":"age","type":"long"}"""), false },
        { "FULL", "add field with default", User(Base + """,{"name":"email","type":"string","default":""}"""), true },
        { "FULL", "add field without default", User(Base + """,{"name":"email","type":"string"}"""), false },
        { "FULL", "remove field without default", User("""{"name":"name","type":"string"}"""), false },
        { "NONE", "change a type", User("""{"name":"name","type":"string"},{"name":"age","type":"string"}"""), true },
        { "BACKWARD", "rename the record", User(Base).Replace("\"User\"", "\"Person\"", StringComparison.Ordinal), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Evolution_cases_are_accepted_or_refused_as_confluent_does(string level, string name, string next, bool compatible)
    {
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        var subject = $"{level}-{name.Replace(' ', '-')}";
        await client.UpdateCompatibilityAsync(Enum.Parse<Compatibility>(level.Replace("_", "", StringComparison.Ordinal), ignoreCase: true), subject);
        await client.RegisterSchemaAsync(subject, new Schema(User(Base), SchemaType.Avro));
        Assert.Equal(compatible, await client.IsCompatibleAsync(subject, new Schema(next, SchemaType.Avro)));
        if (compatible)
        {
            await client.RegisterSchemaAsync(subject, new Schema(next, SchemaType.Avro));
            Assert.Equal(2, (await client.GetLatestSchemaAsync(subject)).Version);
        }
        else
        {
            var refused = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.RegisterSchemaAsync(subject, new Schema(next, SchemaType.Avro)));
            Assert.Equal(409, refused.ErrorCode);
            Assert.Equal(1, (await client.GetLatestSchemaAsync(subject)).Version);
        }
    }

    [Theory]
    [InlineData("BACKWARD", true)]
    [InlineData("BACKWARD_TRANSITIVE", false)]
    [InlineData("FULL_TRANSITIVE", false)]
    public async Task Transitive_levels_check_every_earlier_version(string level, bool compatible)
    {
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        var subject = $"transitive-{level}";
        // v1 and v2 disagree on f's type (registered under NONE); v3 reads v2's data but not v1's.
        await client.UpdateCompatibilityAsync(Compatibility.None, subject);
        await client.RegisterSchemaAsync(subject, new Schema(User("""{"name":"f","type":"int"}"""), SchemaType.Avro));
        await client.RegisterSchemaAsync(subject, new Schema(User("""{"name":"f","type":"string"}"""), SchemaType.Avro));
        await client.UpdateCompatibilityAsync(Enum.Parse<Compatibility>(level.Replace("_", "", StringComparison.Ordinal), ignoreCase: true), subject);
        var v3 = new Schema(User("""{"name":"f","type":"string"},{"name":"g","type":"string","default":""}"""), SchemaType.Avro);
        if (compatible)
        {
            await client.RegisterSchemaAsync(subject, v3);
        }
        else
        {
            var refused = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.RegisterSchemaAsync(subject, v3));
            Assert.Equal(409, refused.ErrorCode);
        }
        Assert.Equal(compatible ? 3 : 2, (await client.GetLatestSchemaAsync(subject)).Version);
    }

    [Fact]
    public async Task The_global_level_applies_to_subjects_without_their_own()
    {
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        Assert.Equal(Compatibility.Backward, await client.GetCompatibilityAsync());
        await client.RegisterSchemaAsync("global-level", new Schema(User(Base), SchemaType.Avro));
        // BACKWARD (the default): a field without a default cannot be added.
        Assert.False(await client.IsCompatibleAsync("global-level", new Schema(User(Base + """,{"name":"email","type":"string"}"""), SchemaType.Avro)));
    }
}
