using System.Collections.Immutable;
using System.Net;
using Runnel.Broker.Authorization;
using Runnel.Broker.Configuration;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;

namespace Runnel.Broker.Tests.Authorization;

/// <summary>The matching rules of Kafka's StandardAuthorizerData, one rule per test.</summary>
public sealed class StandardAuthorizerTests
{
    private AclsImage _acls = AclsImage.Empty;

    private StandardAuthorizer Authorizer(bool allowIfNoAcl = false, params string[] superUsers) => new(superUsers, allowIfNoAcl, () => _acls);

    private void Add(string principal, AclOperation operation, AclPermissionType permission, string name = "orders",
        AclPatternType pattern = AclPatternType.Literal, AclResourceType type = AclResourceType.Topic, string host = "*")
        => _acls = new AclsImage(_acls.ById.Add(Guid.NewGuid(), new StandardAcl(type, name, pattern, principal, host, operation, permission)));

    private static ConnectionInfo From(string principal, string address = "10.0.0.1")
        => new(1, new IPEndPoint(IPAddress.Parse(address), 5000), "PLAINTEXT") { Principal = principal };

    private static bool Can(StandardAuthorizer authorizer, string principal, AclOperation operation, string name = "orders",
        AclResourceType type = AclResourceType.Topic, string address = "10.0.0.1")
        => authorizer.Authorize(From(principal, address), operation, type, name);

    [Fact]
    public void With_no_acls_everything_is_denied_unless_allow_everyone_if_no_acl_found()
    {
        Assert.False(Can(Authorizer(), "User:alice", AclOperation.Read));
        Assert.True(Can(Authorizer(allowIfNoAcl: true), "User:alice", AclOperation.Read));
    }

    [Fact]
    public void Allow_everyone_if_no_acl_found_does_not_apply_to_a_resource_some_acl_names()
    {
        Add("User:bob", AclOperation.Read, AclPermissionType.Allow);
        var authorizer = Authorizer(allowIfNoAcl: true);
        Assert.False(Can(authorizer, "User:alice", AclOperation.Read));
        Assert.True(Can(authorizer, "User:alice", AclOperation.Read, "payments"));
    }

    [Fact]
    public void A_literal_allow_applies_to_its_name_only()
    {
        Add("User:alice", AclOperation.Read, AclPermissionType.Allow);
        var authorizer = Authorizer();
        Assert.True(Can(authorizer, "User:alice", AclOperation.Read));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Read, "orders-eu"));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Write));
        Assert.False(Can(authorizer, "User:bob", AclOperation.Read));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Read, "orders", AclResourceType.Group));
    }

    [Fact]
    public void Deny_overrides_allow_whichever_pattern_carries_it()
    {
        Add("User:alice", AclOperation.Read, AclPermissionType.Allow);
        Add("User:alice", AclOperation.Read, AclPermissionType.Deny, "ord", AclPatternType.Prefixed);
        Assert.False(Can(Authorizer(), "User:alice", AclOperation.Read));
        _acls = AclsImage.Empty;
        Add("User:alice", AclOperation.All, AclPermissionType.Allow, "*");
        Add("User:*", AclOperation.Write, AclPermissionType.Deny);
        var authorizer = Authorizer();
        Assert.True(Can(authorizer, "User:alice", AclOperation.Read));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Write));
        Assert.True(Can(authorizer, "User:alice", AclOperation.Write, "payments"));
    }

    [Fact]
    public void A_prefixed_acl_applies_to_every_name_starting_with_it()
    {
        Add("User:alice", AclOperation.Write, AclPermissionType.Allow, "ord", AclPatternType.Prefixed);
        var authorizer = Authorizer();
        Assert.True(Can(authorizer, "User:alice", AclOperation.Write, "ord"));
        Assert.True(Can(authorizer, "User:alice", AclOperation.Write, "orders"));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Write, "or"));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Write, "payments"));
    }

    [Fact]
    public void The_wildcard_resource_and_the_wildcard_principal_match_everything()
    {
        Add("User:*", AclOperation.Read, AclPermissionType.Allow, "*");
        var authorizer = Authorizer();
        Assert.True(Can(authorizer, "User:alice", AclOperation.Read, "anything"));
        Assert.True(Can(authorizer, "User:ANONYMOUS", AclOperation.Read));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Write));
    }

    [Fact]
    public void A_prefixed_star_is_a_literal_prefix_not_a_wildcard()
    {
        Add("User:alice", AclOperation.Read, AclPermissionType.Allow, "*", AclPatternType.Prefixed);
        var authorizer = Authorizer();
        Assert.True(Can(authorizer, "User:alice", AclOperation.Read, "*x"));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Read, "orders"));
    }

    [Fact]
    public void A_host_acl_applies_only_to_that_client_address()
    {
        Add("User:alice", AclOperation.Read, AclPermissionType.Allow, host: "10.0.0.1");
        var authorizer = Authorizer();
        Assert.True(Can(authorizer, "User:alice", AclOperation.Read, address: "10.0.0.1"));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Read, address: "10.0.0.2"));
    }

    [Theory]
    [InlineData(AclOperation.Read, AclOperation.Describe, true)]
    [InlineData(AclOperation.Write, AclOperation.Describe, true)]
    [InlineData(AclOperation.Delete, AclOperation.Describe, true)]
    [InlineData(AclOperation.Alter, AclOperation.Describe, true)]
    [InlineData(AclOperation.Create, AclOperation.Describe, false)]
    [InlineData(AclOperation.AlterConfigs, AclOperation.DescribeConfigs, true)]
    [InlineData(AclOperation.Alter, AclOperation.DescribeConfigs, false)]
    [InlineData(AclOperation.Describe, AclOperation.Read, false)]
    [InlineData(AclOperation.All, AclOperation.Read, true)]
    [InlineData(AclOperation.All, AclOperation.IdempotentWrite, true)]
    public void An_allow_implies_the_operations_kafka_implies(AclOperation granted, AclOperation wanted, bool allowed)
    {
        Add("User:alice", granted, AclPermissionType.Allow);
        Assert.Equal(allowed, Can(Authorizer(), "User:alice", wanted));
    }

    [Fact]
    public void A_deny_implies_nothing_but_a_deny_of_all_denies_everything()
    {
        Add("User:alice", AclOperation.All, AclPermissionType.Allow);
        Add("User:alice", AclOperation.Read, AclPermissionType.Deny);
        var authorizer = Authorizer();
        Assert.True(Can(authorizer, "User:alice", AclOperation.Describe));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Read));
        Add("User:alice", AclOperation.All, AclPermissionType.Deny);
        Assert.False(Can(authorizer, "User:alice", AclOperation.Describe));
    }

    [Fact]
    public void A_super_user_is_allowed_everything_despite_a_deny()
    {
        Add("User:admin", AclOperation.All, AclPermissionType.Deny, "*");
        var authorizer = Authorizer(false, "User:admin", "User:broker");
        Assert.True(Can(authorizer, "User:admin", AclOperation.Delete));
        Assert.True(Can(authorizer, "User:broker", AclOperation.ClusterAction, "kafka-cluster", AclResourceType.Cluster));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Delete));
    }

    [Fact]
    public void A_change_of_the_acls_is_seen_by_the_next_check()
    {
        var authorizer = Authorizer();
        Assert.False(Can(authorizer, "User:alice", AclOperation.Read));
        Add("User:alice", AclOperation.Read, AclPermissionType.Allow);
        Assert.True(Can(authorizer, "User:alice", AclOperation.Read));
        _acls = AclsImage.Empty;
        Assert.False(Can(authorizer, "User:alice", AclOperation.Read));
    }

    [Fact]
    public void By_resource_type_an_allow_on_some_topic_counts_unless_a_deny_covers_it()
    {
        var authorizer = Authorizer();
        Assert.False(authorizer.AuthorizeByResourceType(From("User:alice"), AclOperation.Write, AclResourceType.Topic));
        Add("User:alice", AclOperation.Write, AclPermissionType.Allow, "orders");
        Assert.True(authorizer.AuthorizeByResourceType(From("User:alice"), AclOperation.Write, AclResourceType.Topic));
        Add("User:alice", AclOperation.Write, AclPermissionType.Deny, "or", AclPatternType.Prefixed);
        Assert.False(authorizer.AuthorizeByResourceType(From("User:alice"), AclOperation.Write, AclResourceType.Topic));
    }

    [Fact]
    public void The_config_keys_choose_the_authorizer()
    {
        var off = BrokerConfig.Create(new Dictionary<string, string>());
        Assert.Null(StandardAuthorizer.FromConfig(off, () => AclsImage.Empty));
        var on = BrokerConfig.Create(new Dictionary<string, string>
        {
            ["authorizer.class.name"] = "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            ["super.users"] = "User:admin; User:broker",
        });
        var authorizer = StandardAuthorizer.FromConfig(on, () => AclsImage.Empty)!;
        Assert.True(authorizer.IsSuperUser("User:broker"));
        Assert.False(Can(authorizer, "User:alice", AclOperation.Read));
        var legacy = BrokerConfig.Create(new Dictionary<string, string> { ["authorizer.class.name"] = "kafka.security.authorizer.AclAuthorizer" });
        Assert.NotNull(StandardAuthorizer.FromConfig(legacy, () => AclsImage.Empty));
    }
}
