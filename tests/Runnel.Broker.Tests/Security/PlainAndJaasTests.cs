using System.Text;
using Runnel.Broker.Configuration;
using Runnel.Broker.Security;
using Runnel.Net.Security;

namespace Runnel.Broker.Tests.Security;

/// <summary>Kafka's JAAS option syntax and SASL/PLAIN's checks.</summary>
public sealed class PlainAndJaasTests
{
    [Fact]
    public void A_PlainLoginModule_config_gives_its_users()
    {
        var jaas = JaasConfig.Parse(
            """org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="a \"quoted\" pw" user_bob=plain;""",
            "k");
        Assert.Equal(SaslSettings.PlainLoginModule, jaas.LoginModule);
        Assert.Equal("required", jaas.Flag);
        Assert.Equal("a \"quoted\" pw", jaas.Options["user_alice"]);
        Assert.Equal("plain", jaas.Options["user_bob"]);
        Assert.Equal("admin", jaas.Options["username"]);
    }

    [Theory]
    [InlineData("org.example.Module required a=b")]
    [InlineData("org.example.Module sometimes a=b;")]
    [InlineData("org.example.Module required a=b; org.example.Other required;")]
    [InlineData("org.example.Module required a=\"b;")]
    [InlineData("org.example.Module required a b;")]
    public void Malformed_JAAS_configs_are_refused_without_echoing_the_value(string text)
    {
        var e = Assert.Throws<JaasConfigException>(() => JaasConfig.Parse(text, "listener.name.sasl_ssl.plain.sasl.jaas.config"));
        Assert.Equal("listener.name.sasl_ssl.plain.sasl.jaas.config", e.Key);
        Assert.DoesNotContain("a=b", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Plain(string authzid, string user, string password) => Encoding.UTF8.GetBytes($"{authzid}\0{user}\0{password}");

    [Fact]
    public void PLAIN_accepts_the_right_password_only()
    {
        var users = new Dictionary<string, string> { ["alice"] = "alice-secret" };
        var server = new PlainServer(users);
        Assert.Empty(server.EvaluateResponse(Plain("", "alice", "alice-secret")));
        Assert.True(server.IsComplete);
        Assert.Equal("alice", server.Username);

        foreach (var (authzid, user, password) in new[] { ("", "alice", "wrong"), ("", "mallory", "alice-secret"), ("bob", "alice", "alice-secret"), ("", "", "x"), ("", "alice", "") })
        {
            var refused = new PlainServer(users);
            Assert.Throws<SaslAuthenticationException>(() => refused.EvaluateResponse(Plain(authzid, user, password)));
            Assert.False(refused.IsComplete);
        }
        var message = Assert.Throws<SaslAuthenticationException>(() => new PlainServer(users).EvaluateResponse(Plain("", "alice", "wrong"))).Message;
        Assert.Equal("Authentication failed: Invalid username or password", message);
        Assert.Throws<SaslAuthenticationException>(() => new PlainServer(users).EvaluateResponse("alice\0pw"u8));
    }
}
