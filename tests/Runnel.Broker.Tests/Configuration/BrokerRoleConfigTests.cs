using Runnel.Broker.Configuration;

namespace Runnel.Broker.Tests.Configuration;

/// <summary>process.roles=broker alone takes Kafka's checks: the voters it follows, an id not among them, no controller listener.</summary>
public sealed class BrokerRoleConfigTests
{
    private static Dictionary<string, string> BrokerOnly() => new()
    {
        ["process.roles"] = "broker",
        ["node.id"] = "4",
        ["controller.quorum.voters"] = "1@127.0.0.1:9093,2@127.0.0.1:9094,3@127.0.0.1:9095",
        ["controller.listener.names"] = "CONTROLLER",
        ["listeners"] = "PLAINTEXT://127.0.0.1:9092",
    };

    [Fact]
    public void A_broker_that_follows_a_remote_quorum_is_accepted()
    {
        var config = BrokerConfig.Create(BrokerOnly());
        Assert.True(config.IsBrokerOnly);
        Assert.False(config.QuorumVoters.Contains(4));
        Assert.Equal(9000, config.GetInt("broker.session.timeout.ms"));
        Assert.Equal(2000, config.GetInt("broker.heartbeat.interval.ms"));
    }

    [Theory]
    [InlineData("controller.quorum.voters", "", "controller.quorum.voters")]
    [InlineData("node.id", "2", "node.id")]
    [InlineData("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9096", "listeners")]
    public void A_broker_only_node_without_voters_with_a_voter_id_or_with_a_controller_listener_is_refused(string key, string value, string blamed)
    {
        var settings = BrokerOnly();
        settings[key] = value;
        Assert.Equal(blamed, Assert.Throws<ConfigException>(() => BrokerConfig.Create(settings)).Key);
    }

    [Fact]
    public void The_default_single_node_is_still_combined()
    {
        var config = BrokerConfig.Create(new Dictionary<string, string>());
        Assert.True(config.IsBroker);
        Assert.True(config.IsController);
        Assert.False(config.IsBrokerOnly);
    }
}
