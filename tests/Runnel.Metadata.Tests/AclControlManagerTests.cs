using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Tests;

public sealed class AclControlManagerTests
{
    private static CreateAclsRequest.AclCreation Creation(string principal = "User:alice", sbyte type = (sbyte)AclResourceType.Topic, string name = "orders",
        sbyte pattern = (sbyte)AclPatternType.Literal, sbyte operation = (sbyte)AclOperation.Read, sbyte permission = (sbyte)AclPermissionType.Allow, string host = "*") => new()
        {
            ResourceType = type,
            ResourceName = name,
            ResourcePatternType = pattern,
            Principal = principal,
            Host = host,
            Operation = operation,
            PermissionType = permission,
        };

    private static MetadataImage Commit<T>(MetadataImage image, ControllerResult<T> result) => ImageTests.Replay(image, [.. result.Records]);

    private static AclFilter Any(string? principal = null) => new(AclResourceType.Any, null, AclPatternType.Any, principal, null, AclOperation.Any, AclPermissionType.Any);

    [Fact]
    public void Each_new_binding_is_one_record_with_its_own_id_and_a_repeated_one_changes_nothing()
    {
        var result = AclControlManager.CreateAcls(MetadataImage.Empty, [Creation(), Creation(operation: (sbyte)AclOperation.Write), Creation()]);
        Assert.All(result.Response.Results, r => Assert.Equal(0, r.ErrorCode));
        Assert.Equal(2, result.Records.Count);
        var records = result.Records.Cast<AccessControlEntryRecord>().ToList();
        Assert.NotEqual(records[0].Id, records[1].Id);
        var image = Commit(MetadataImage.Empty, result);
        Assert.Equal(2, image.Acls.ById.Count);

        var again = AclControlManager.CreateAcls(image, [Creation()]);
        Assert.Equal(0, again.Response.Results[0].ErrorCode);
        Assert.Empty(again.Records);
    }

    [Theory]
    [InlineData("User:alice", (sbyte)AclResourceType.Any, "orders", (sbyte)AclPatternType.Literal, (sbyte)AclOperation.Read, (sbyte)AclPermissionType.Allow)]
    [InlineData("User:alice", (sbyte)AclResourceType.Unknown, "orders", (sbyte)AclPatternType.Literal, (sbyte)AclOperation.Read, (sbyte)AclPermissionType.Allow)]
    [InlineData("User:alice", (sbyte)AclResourceType.Topic, "orders", (sbyte)AclPatternType.Match, (sbyte)AclOperation.Read, (sbyte)AclPermissionType.Allow)]
    [InlineData("User:alice", (sbyte)AclResourceType.Topic, "orders", (sbyte)AclPatternType.Any, (sbyte)AclOperation.Read, (sbyte)AclPermissionType.Allow)]
    [InlineData("User:alice", (sbyte)AclResourceType.Topic, "orders", (sbyte)AclPatternType.Literal, (sbyte)AclOperation.Any, (sbyte)AclPermissionType.Allow)]
    [InlineData("User:alice", (sbyte)AclResourceType.Topic, "orders", (sbyte)AclPatternType.Literal, (sbyte)AclOperation.Unknown, (sbyte)AclPermissionType.Allow)]
    [InlineData("User:alice", (sbyte)AclResourceType.Topic, "orders", (sbyte)AclPatternType.Literal, (sbyte)AclOperation.Read, (sbyte)AclPermissionType.Any)]
    [InlineData("User:alice", (sbyte)AclResourceType.Topic, "", (sbyte)AclPatternType.Literal, (sbyte)AclOperation.Read, (sbyte)AclPermissionType.Allow)]
    [InlineData("User:alice", (sbyte)AclResourceType.Cluster, "other", (sbyte)AclPatternType.Literal, (sbyte)AclOperation.Alter, (sbyte)AclPermissionType.Allow)]
    [InlineData("alice", (sbyte)AclResourceType.Topic, "orders", (sbyte)AclPatternType.Literal, (sbyte)AclOperation.Read, (sbyte)AclPermissionType.Allow)]
    [InlineData("User:", (sbyte)AclResourceType.Topic, "orders", (sbyte)AclPatternType.Literal, (sbyte)AclOperation.Read, (sbyte)AclPermissionType.Allow)]
    public void An_invalid_binding_fails_alone_with_invalid_request(string principal, sbyte type, string name, sbyte pattern, sbyte operation, sbyte permission)
    {
        var result = AclControlManager.CreateAcls(MetadataImage.Empty, [Creation(principal, type, name, pattern, operation, permission), Creation()]);
        Assert.Equal((short)ErrorCode.InvalidRequest, result.Response.Results[0].ErrorCode);
        Assert.Equal(0, result.Response.Results[1].ErrorCode);
        Assert.Single(result.Records);
    }

    [Fact]
    public void The_cluster_resource_is_named_kafka_cluster_and_prefixed_patterns_are_accepted()
    {
        var result = AclControlManager.CreateAcls(MetadataImage.Empty,
            [Creation(type: (sbyte)AclResourceType.Cluster, name: "kafka-cluster", operation: (sbyte)AclOperation.Alter), Creation(pattern: (sbyte)AclPatternType.Prefixed, name: "ord")]);
        Assert.All(result.Response.Results, r => Assert.Equal(0, r.ErrorCode));
        Assert.Equal(2, result.Records.Count);
    }

    [Fact]
    public void Delete_removes_what_each_filter_matches_once_and_lists_it_under_each_filter()
    {
        var image = Commit(MetadataImage.Empty, AclControlManager.CreateAcls(MetadataImage.Empty,
            [Creation(), Creation("User:bob"), Creation(type: (sbyte)AclResourceType.Group, name: "g")]));
        var result = AclControlManager.DeleteAcls(image, [Any("User:alice"), new AclFilter(AclResourceType.Topic, "orders", AclPatternType.Literal, null, null, AclOperation.Read, AclPermissionType.Allow)]);
        Assert.Equal(2, result.Response.FilterResults[0].MatchingAcls.Count);
        Assert.Equal(2, result.Response.FilterResults[1].MatchingAcls.Count);
        Assert.Equal(3, result.Records.Count);
        Assert.Empty(Commit(image, result).Acls.ById);
    }

    [Fact]
    public void A_filter_with_an_unknown_field_is_invalid_and_deletes_nothing()
    {
        var image = Commit(MetadataImage.Empty, AclControlManager.CreateAcls(MetadataImage.Empty, [Creation()]));
        var result = AclControlManager.DeleteAcls(image, [Any() with { Operation = AclOperation.Unknown }]);
        Assert.Equal((short)ErrorCode.InvalidRequest, result.Response.FilterResults[0].ErrorCode);
        Assert.Empty(result.Records);
    }

    [Fact]
    public void A_match_filter_selects_the_literal_the_wildcard_and_the_prefixes_that_apply_to_a_name()
    {
        var image = Commit(MetadataImage.Empty, AclControlManager.CreateAcls(MetadataImage.Empty,
            [Creation(name: "orders"), Creation(name: "*"), Creation(name: "ord", pattern: (sbyte)AclPatternType.Prefixed),
             Creation(name: "pay", pattern: (sbyte)AclPatternType.Prefixed), Creation(name: "orders-eu")]));
        var match = new AclFilter(AclResourceType.Topic, "orders", AclPatternType.Match, null, null, AclOperation.Any, AclPermissionType.Any);
        Assert.Equal(["*", "ord", "orders"], image.Acls.ById.Values.Where(match.Matches).Select(a => a.ResourceName).Order(StringComparer.Ordinal));
        var literal = match with { PatternType = AclPatternType.Literal };
        Assert.Equal(["orders"], image.Acls.ById.Values.Where(literal.Matches).Select(a => a.ResourceName));
        var anyPattern = match with { PatternType = AclPatternType.Any, ResourceName = "ord" };
        Assert.Equal(["ord"], image.Acls.ById.Values.Where(anyPattern.Matches).Select(a => a.ResourceName));
    }

    [Fact]
    public void Acls_survive_a_snapshot_and_a_removal_of_an_unknown_id_is_refused()
    {
        var image = Commit(MetadataImage.Empty, AclControlManager.CreateAcls(MetadataImage.Empty, [Creation(), Creation("User:*", pattern: (sbyte)AclPatternType.Prefixed, name: "o")]));
        var loaded = MetadataSnapshot.Read(image.Offset + 1, MetadataSnapshot.Write(image, 7));
        Assert.Equal(image.Acls.ById.OrderBy(a => a.Key), loaded.Acls.ById.OrderBy(a => a.Key));
        Assert.False(loaded.IsEmpty);
        Assert.Throws<InvalidDataException>(() => ImageTests.Replay(image, new RemoveAccessControlEntryRecord { Id = Guid.NewGuid() }));
    }
}
