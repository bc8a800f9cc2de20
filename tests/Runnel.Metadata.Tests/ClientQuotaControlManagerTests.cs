using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Tests;

public sealed class ClientQuotaControlManagerTests
{
    private static AlterClientQuotasRequest.EntryData Entry(IEnumerable<(string Type, string? Name)> entity, params (string Key, double Value, bool Remove)[] ops) => new()
    {
        Entity = [.. entity.Select(e => new AlterClientQuotasRequest.EntityData { EntityType = e.Type, EntityName = e.Name })],
        Ops = [.. ops.Select(o => new AlterClientQuotasRequest.OpData { Key = o.Key, Value = o.Value, Remove = o.Remove })],
    };

    private static MetadataImage Alter(MetadataImage image, params AlterClientQuotasRequest.EntryData[] entries)
    {
        var result = ClientQuotaControlManager.Alter(image, new() { Entries = [.. entries] });
        Assert.All(result.Response.Entries, e => Assert.Equal((short)ErrorCode.None, e.ErrorCode));
        return ImageTests.Replay(image, [.. result.Records]);
    }

    private static DescribeClientQuotasResponse Describe(MetadataImage image, bool strict, params (string Type, sbyte Match, string? Name)[] components)
        => ClientQuotaDescriber.Describe(image, new()
        {
            Strict = strict,
            Components = [.. components.Select(c => new DescribeClientQuotasRequest.ComponentData { EntityType = c.Type, MatchType = c.Match, Match = c.Name })],
        });

    private static readonly (string, string?)[] UserAlice = [("user", "alice")];
    private static readonly (string, string?)[] ClientC1 = [("client-id", "c1")];
    private static readonly (string, string?)[] AliceC1 = [("user", "alice"), ("client-id", "c1")];
    private static readonly (string, string?)[] DefaultUser = [("user", null)];

    [Fact]
    public void Set_and_remove_record_only_changes_and_validate_only_records_nothing()
    {
        var image = Alter(MetadataImage.Empty, Entry(ClientC1, ("producer_byte_rate", 1024, false), ("request_percentage", 12.5, false)));
        Assert.Equal(1024, image.ClientQuotas.For(ClientQuotaEntity.Of(("client-id", "c1")))["producer_byte_rate"]);
        var same = ClientQuotaControlManager.Alter(image, new() { Entries = [Entry(ClientC1, ("producer_byte_rate", 1024, false), ("consumer_byte_rate", 0, true))] });
        Assert.Empty(same.Records);
        var validateOnly = ClientQuotaControlManager.Alter(image, new() { ValidateOnly = true, Entries = [Entry(ClientC1, ("producer_byte_rate", 1, true))] });
        Assert.Empty(validateOnly.Records);
        Assert.Equal((short)ErrorCode.None, validateOnly.Response.Entries[0].ErrorCode);
        image = Alter(image, Entry(ClientC1, ("producer_byte_rate", 0, true), ("request_percentage", 0, true)));
        Assert.Empty(image.ClientQuotas.Entities);
    }

    [Theory]
    [InlineData("user", "alice", "no_such_key", 1.0, "Invalid configuration key no_such_key")]
    [InlineData("user", "alice", "producer_byte_rate", -5.0, "Quota producer_byte_rate must be greater than 0")]
    [InlineData("user", "alice", "producer_byte_rate", 1.5, "producer_byte_rate cannot be a fractional value.")]
    [InlineData("group", "g", "producer_byte_rate", 1.0, "Unhandled client quota entity type: group")]
    [InlineData("user", "", "producer_byte_rate", 1.0, "Empty user not supported")]
    [InlineData("ip", "not-an-ip", "connection_creation_rate", 1.0, "not-an-ip is not a valid IP or resolvable host.")]
    [InlineData("ip", "10.0.0.1", "producer_byte_rate", 1.0, "Invalid configuration key producer_byte_rate")]
    public void Bad_entries_are_INVALID_REQUEST_with_Kafkas_message(string type, string name, string key, double value, string message)
    {
        var result = ClientQuotaControlManager.Alter(MetadataImage.Empty, new() { Entries = [Entry([(type, name)], (key, value, false)), Entry(UserAlice, ("consumer_byte_rate", 10, false))] });
        Assert.Equal((short)ErrorCode.InvalidRequest, result.Response.Entries[0].ErrorCode);
        Assert.Equal(message, result.Response.Entries[0].ErrorMessage);
        if (type != "user")
            Assert.Single(result.Records);
    }

    [Fact]
    public void Describe_matches_exact_default_and_any_names_strictly_or_not()
    {
        var image = Alter(MetadataImage.Empty,
            Entry(UserAlice, ("producer_byte_rate", 1, false)),
            Entry(AliceC1, ("producer_byte_rate", 2, false)),
            Entry(DefaultUser, ("producer_byte_rate", 3, false)),
            Entry(ClientC1, ("producer_byte_rate", 4, false)));
        double[] Values(DescribeClientQuotasResponse r) => [.. r.Entries!.Select(e => e.Values.Single().Value).Order()];
        Assert.Equal([1, 2], Values(Describe(image, false, ("user", 0, "alice"))));
        Assert.Equal([1], Values(Describe(image, true, ("user", 0, "alice"))));
        Assert.Equal([3], Values(Describe(image, false, ("user", 1, null))));
        Assert.Equal([1, 2, 3], Values(Describe(image, false, ("user", 2, null))));
        Assert.Equal([2, 4], Values(Describe(image, false, ("client-id", 0, "c1"))));
        Assert.Equal([1, 2, 3, 4], Values(Describe(image, false)));
        Assert.Empty(Describe(image, true).Entries!);
        var bad = Describe(image, false, ("user", 0, null));
        Assert.Equal((short)ErrorCode.InvalidRequest, bad.ErrorCode);
        Assert.Null(bad.Entries);
    }

    [Fact]
    public void Quotas_survive_a_snapshot()
    {
        var image = Alter(MetadataImage.Empty, Entry(AliceC1, ("producer_byte_rate", 2048, false)), Entry(DefaultUser, ("consumer_byte_rate", 10, false)));
        var loaded = MetadataSnapshot.Read(image.Offset + 1, MetadataSnapshot.Write(image, 1));
        Assert.Equal(2048, loaded.ClientQuotas.For(ClientQuotaEntity.Of(("client-id", "c1"), ("user", "alice")))["producer_byte_rate"]);
        Assert.Equal(10, loaded.ClientQuotas.For(ClientQuotaEntity.Of(("user", null)))["consumer_byte_rate"]);
    }
}
