using Runnel.Broker.Configuration;
using Runnel.Broker.Topics;

namespace Runnel.Broker.Tests.Topics;

/// <summary>DescribeConfigs sources and synonyms as Kafka's ConfigHelper lists them.</summary>
public sealed class ConfigDescriberTests
{
    private static readonly Dictionary<string, string> NoDynamic = [];

    [Fact]
    public void A_topic_override_comes_first_then_the_static_broker_key_then_the_defaults_of_its_synonyms()
    {
        var broker = Broker(("log.retention.ms", "3600000"));
        var entry = Describe(broker, NoDynamic, "retention.ms", ("retention.ms", "1000"));
        Assert.Equal("1000", entry.Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, entry.Source);
        Assert.Equal(
        [
            new ConfigSynonym("retention.ms", "1000", ConfigSource.DynamicTopicConfig),
            new ConfigSynonym("log.retention.ms", "3600000", ConfigSource.StaticBrokerConfig),
            new ConfigSynonym("log.retention.hours", "168", ConfigSource.DefaultConfig),
        ], entry.Synonyms);
    }

    [Fact]
    public void Retention_set_only_in_hours_lists_no_broker_synonym_and_is_a_default_as_in_kafka()
    {
        var entry = Describe(Broker(("log.retention.hours", "24")), NoDynamic, "retention.ms");
        Assert.Equal("86400000", entry.Value);
        Assert.Equal(ConfigSource.DefaultConfig, entry.Source);
        Assert.Empty(entry.Synonyms);
    }

    [Fact]
    public void A_runtime_broker_default_comes_before_the_static_value()
    {
        var dynamic = new Dictionary<string, string> { ["log.segment.bytes"] = "2097152" };
        var entry = Describe(Broker(("log.segment.bytes", "1048576")), dynamic, "segment.bytes");
        Assert.Equal(ConfigSource.DynamicDefaultBrokerConfig, entry.Source);
        Assert.Equal(
        [
            new ConfigSynonym("log.segment.bytes", "2097152", ConfigSource.DynamicDefaultBrokerConfig),
            new ConfigSynonym("log.segment.bytes", "1048576", ConfigSource.StaticBrokerConfig),
            new ConfigSynonym("log.segment.bytes", "1073741824", ConfigSource.DefaultConfig),
        ], entry.Synonyms);
    }

    [Fact]
    public void An_untouched_config_has_its_broker_default_as_its_only_synonym()
    {
        var entry = Describe(Broker(), NoDynamic, "cleanup.policy");
        Assert.Equal(ConfigSource.DefaultConfig, entry.Source);
        Assert.Equal([new ConfigSynonym("log.cleanup.policy", "delete", ConfigSource.DefaultConfig)], entry.Synonyms);
    }

    [Fact]
    public void The_deprecated_topic_configs_are_described_with_their_broker_keys()
    {
        var broker = Broker(("log.message.timestamp.difference.max.ms", "60000"));
        var difference = Describe(broker, NoDynamic, TopicConfigs.MessageTimestampDifferenceMaxMs);
        Assert.Equal(ConfigSource.StaticBrokerConfig, difference.Source);
        Assert.Equal("60000", difference.Value);
        var before = Describe(broker, NoDynamic, TopicConfigs.MessageTimestampBeforeMaxMs);
        Assert.Equal("60000", before.Value);
        Assert.Equal([new ConfigSynonym("log.message.timestamp.before.max.ms", "9223372036854775807", ConfigSource.DefaultConfig)], before.Synonyms);
        var format = Describe(broker, NoDynamic, TopicConfigs.MessageFormatVersion, (TopicConfigs.MessageFormatVersion, "2.8"));
        Assert.Equal("2.8", format.Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, format.Source);
        Assert.Equal(new ConfigSynonym("log.message.format.version", "3.0-IV1", ConfigSource.DefaultConfig), format.Synonyms[^1]);
    }

    [Fact]
    public void The_cluster_default_resource_lists_only_the_configs_changed_at_runtime()
    {
        var dynamic = new Dictionary<string, string> { ["log.retention.ms"] = "1000" };
        var entry = Assert.Single(ConfigDescriber.ClusterDefault(Broker(("log.retention.ms", "5")), dynamic));
        Assert.Equal(("log.retention.ms", "1000", ConfigSource.DynamicDefaultBrokerConfig, false), (entry.Name, entry.Value, entry.Source, entry.ReadOnly));
        Assert.Equal([new ConfigSynonym("log.retention.ms", "1000", ConfigSource.DynamicDefaultBrokerConfig)], entry.Synonyms);
    }

    [Fact]
    public void A_broker_key_lists_its_synonym_keys_strongest_first()
    {
        var entry = Assert.Single(ConfigDescriber.Broker(Broker(("log.retention.minutes", "60")), NoDynamic), e => e.Name == "log.retention.minutes");
        Assert.Equal(ConfigSource.StaticBrokerConfig, entry.Source);
        Assert.Equal(
        [
            new ConfigSynonym("log.retention.minutes", "60", ConfigSource.StaticBrokerConfig),
            new ConfigSynonym("log.retention.hours", "168", ConfigSource.DefaultConfig),
        ], entry.Synonyms);
        var unset = Assert.Single(ConfigDescriber.Broker(Broker(), NoDynamic), e => e.Name == "log.retention.ms");
        Assert.Equal(ConfigSource.DefaultConfig, unset.Source);
        Assert.Empty(unset.Synonyms);
    }

    private static BrokerConfig Broker(params (string Key, string Value)[] settings)
        => BrokerConfig.Create(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)));

    private static ConfigEntry Describe(BrokerConfig broker, Dictionary<string, string> dynamic, string key, params (string Key, string Value)[] overrides)
    {
        var configs = overrides.ToDictionary(o => o.Key, o => o.Value);
        var defaults = new Dictionary<string, string>(broker.TopicDefaults());
        foreach (var (definition, synonym) in TopicConfigs.All)
        {
            if (dynamic.TryGetValue(synonym, out var value))
                defaults[definition.Name] = value;
        }
        var topic = new TopicState("t", Guid.NewGuid(), configs, TopicSettings.Resolve(defaults, configs));
        return Assert.Single(ConfigDescriber.Topic(topic, broker, dynamic), e => e.Name == key);
    }
}
