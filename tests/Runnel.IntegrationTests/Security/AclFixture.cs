using System.Text;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// A broker on a SASL_PLAINTEXT listener with the StandardAuthorizer on: PLAIN users admin (a super user), alice,
/// bob and carol, no ACLs at first; raw connections authenticate as one of them.
/// </summary>
public sealed class AclFixture : IAsyncLifetime
{
    public static readonly string[] Users = ["admin", "alice", "bob", "carol"];

    /// <summary>A topic name every user may READ (an ACL for User:*), for APIs whose topic check follows another.</summary>
    public const string ReadableTopic = "readable";

    public BrokerFixture Broker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var users = string.Join(" ", Users.Select(u => $"user_{u}=\"{u}-secret\""));
        Broker = await BrokerFixture.StartAsync(new Dictionary<string, string>
        {
            ["listeners"] = "SASL_PLAINTEXT://127.0.0.1:0",
            ["listener.name.sasl_plaintext.sasl.enabled.mechanisms"] = "PLAIN",
            ["listener.name.sasl_plaintext.plain.sasl.jaas.config"] = $"org.apache.kafka.common.security.plain.PlainLoginModule required {users};",
            ["authorizer.class.name"] = "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            ["super.users"] = "User:admin",
        });
        await AddAclsAsync(Acl("*", 2, ReadableTopic, 3));
    }

    public async Task DisposeAsync() => await Broker.DisposeAsync();

    /// <summary>A connection that authenticated with SASL PLAIN as <paramref name="user"/>.</summary>
    public async Task<RawKafkaConnection> ConnectAsync(string user)
    {
        var raw = await RawKafkaConnection.ConnectAsync(Broker.Bootstrap);
        var handshake = await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "PLAIN" });
        Assert.Equal(0, handshake.ErrorCode);
        var authenticate = await raw.RequestAsync<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2,
            new SaslAuthenticateRequest { AuthBytes = Encoding.UTF8.GetBytes($"\0{user}\0{user}-secret") });
        Assert.Equal(0, authenticate.ErrorCode);
        return raw;
    }

    /// <summary>Creates ACLs as the super user; each creation must succeed.</summary>
    public async Task AddAclsAsync(params CreateAclsRequest.AclCreation[] creations)
    {
        await using var admin = await ConnectAsync("admin");
        var reply = await admin.RequestAsync<CreateAclsResponse>(ApiKey.CreateAcls, 3, new CreateAclsRequest { Creations = [.. creations] });
        Assert.All(reply.Results, r => Assert.Equal(0, r.ErrorCode));
    }

    public static CreateAclsRequest.AclCreation Acl(string user, sbyte resourceType, string name, sbyte operation, bool allow = true, sbyte pattern = 3) => new()
    {
        ResourceType = resourceType,
        ResourceName = name,
        ResourcePatternType = pattern,
        Principal = "User:" + user,
        Host = "*",
        Operation = operation,
        PermissionType = (sbyte)(allow ? 3 : 2),
    };

    /// <summary>Creates a topic of one partition as the super user.</summary>
    public async Task CreateTopicAsync(string name)
    {
        await using var admin = await ConnectAsync("admin");
        var reply = await admin.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            Topics = [new() { Name = name, NumPartitions = 1, ReplicationFactor = 1 }],
        });
        Assert.Equal(0, reply.Topics[0].ErrorCode);
    }
}
