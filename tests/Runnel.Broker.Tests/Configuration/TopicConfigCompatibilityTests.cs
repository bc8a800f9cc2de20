using Runnel.Broker.Configuration;
using Runnel.Broker.Topics;

namespace Runnel.Broker.Tests.Configuration;

/// <summary>Kafka 3.x's deprecated message.format.version and message.timestamp.difference.max.ms are accepted as Kafka 3.6+ accepts them.</summary>
public sealed class TopicConfigCompatibilityTests
{
    private const string LongMax = "9223372036854775807";

    [Theory]
    [InlineData("3.0-IV1")]
    [InlineData("2.8")]
    [InlineData("2.8.1")]
    [InlineData("0.10.2-IV0")]
    [InlineData("0.8.0")]
    [InlineData("3.9")]
    public void Message_format_versions_kafka_accepts_are_valid(string value)
    {
        Assert.True(TopicConfigs.TryGet(TopicConfigs.MessageFormatVersion, out var definition, out var synonym));
        Assert.Equal("log.message.format.version", synonym);
        Assert.Null(definition.Validate(value));
    }

    [Theory]
    [InlineData("banana")]
    [InlineData("3.0-IV7")]
    [InlineData("0.10")]
    [InlineData("9.9")]
    public void Message_format_versions_kafka_refuses_are_invalid(string value)
    {
        Assert.True(TopicConfigs.TryGet(TopicConfigs.MessageFormatVersion, out var definition, out _));
        Assert.Equal($"Version {value} is not a valid version", definition.Validate(value));
    }

    [Fact]
    public void The_difference_bounds_both_directions_when_before_and_after_are_at_their_defaults()
    {
        var settings = Resolve(Broker(), (TopicConfigs.MessageTimestampDifferenceMaxMs, "60000"));
        Assert.Equal((60_000, 60_000), (settings.TimestampBeforeMaxMs, settings.TimestampAfterMaxMs));
        Assert.Equal(LongMax, settings.Get(TopicConfigs.MessageTimestampBeforeMaxMs));
    }

    [Fact]
    public void An_explicit_before_or_after_wins_over_the_difference()
    {
        var settings = Resolve(Broker(), (TopicConfigs.MessageTimestampDifferenceMaxMs, "60000"), (TopicConfigs.MessageTimestampBeforeMaxMs, "5000"));
        Assert.Equal((5_000, 60_000), (settings.TimestampBeforeMaxMs, settings.TimestampAfterMaxMs));
    }

    [Fact]
    public void Without_any_bound_timestamps_are_unbounded()
    {
        var settings = Resolve(Broker());
        Assert.Equal((long.MaxValue, long.MaxValue), (settings.TimestampBeforeMaxMs, settings.TimestampAfterMaxMs));
    }

    [Fact]
    public void The_broker_difference_becomes_the_topic_default_of_before_and_after_as_kafka_config_derives_it()
    {
        var broker = Broker(("log.message.timestamp.difference.max.ms", "3600000"), ("log.message.timestamp.after.max.ms", "1000"));
        var defaults = broker.TopicDefaults();
        Assert.Equal("3600000", defaults[TopicConfigs.MessageTimestampBeforeMaxMs]);
        Assert.Equal("1000", defaults[TopicConfigs.MessageTimestampAfterMaxMs]);
        Assert.Equal("3600000", defaults[TopicConfigs.MessageTimestampDifferenceMaxMs]);
        var settings = Resolve(broker);
        Assert.Equal((3_600_000, 1_000), (settings.TimestampBeforeMaxMs, settings.TimestampAfterMaxMs));
    }

    [Fact]
    public void The_broker_keys_are_known_and_the_format_version_is_reported_as_having_no_effect()
    {
        var broker = Broker(("log.message.format.version", "2.8"), ("log.message.timestamp.difference.max.ms", "5"));
        Assert.Contains(broker.Warnings, w => w.StartsWith("log.message.format.version is accepted for compatibility", StringComparison.Ordinal));
        Assert.DoesNotContain(broker.Warnings, w => w.Contains("not a known config", StringComparison.Ordinal));
        Assert.Throws<ConfigException>(() => Broker(("log.message.format.version", "nope")));
        Assert.Equal("2.8", broker.TopicDefaults()[TopicConfigs.MessageFormatVersion]);
    }

    [Fact]
    public void Only_the_format_version_broker_key_cannot_change_at_runtime()
    {
        Assert.False(Runnel.Broker.Configuration.DynamicBrokerConfig.IsDynamic("log.message.format.version"));
        Assert.True(Runnel.Broker.Configuration.DynamicBrokerConfig.IsDynamic("log.message.timestamp.difference.max.ms"));
    }

    private static BrokerConfig Broker(params (string Key, string Value)[] settings)
        => BrokerConfig.Create(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)));

    private static TopicSettings Resolve(BrokerConfig broker, params (string Key, string Value)[] overrides)
        => TopicSettings.Resolve(broker.TopicDefaults(), overrides.ToDictionary(o => o.Key, o => o.Value));
}
