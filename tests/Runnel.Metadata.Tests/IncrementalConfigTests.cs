using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Tests;

/// <summary>IncrementalAlterConfigs as the controller decides it: per key, against the image, validated whole.</summary>
public sealed class IncrementalConfigTests
{
    /// <summary>cleanup.policy is the one list (default "delete"); a value "bad" is refused, as a broker's definitions would.</summary>
    internal sealed class TestSchema : IConfigSchema
    {
        public List<IReadOnlyDictionary<string, string?>> Altered { get; } = [];

        public bool IsList(ConfigResourceType type, string name) => name == "cleanup.policy";

        public string? DefaultOf(ConfigResourceType type, string name) => name == "cleanup.policy" ? "delete" : null;

        public ApiError Validate(MetadataImage image, ConfigResource resource, IReadOnlyDictionary<string, string> configs, IReadOnlyDictionary<string, string?> altered)
        {
            Altered.Add(altered);
            var bad = configs.FirstOrDefault(c => c.Value == "bad");
            return bad.Key is null ? ApiError.None : new ApiError(ErrorCode.InvalidConfig, $"Invalid value bad for configuration {bad.Key}");
        }
    }

    private static readonly ConfigResource T = ConfigResource.Topic("t");

    private static MetadataImage WithTopic()
        => ImageTests.Replay(ControlManagerTests.ThreeBrokers, [.. ReplicationControlManager.CreateTopic(ControlManagerTests.ThreeBrokers,
            new NewTopic("t", 1, 1, new Dictionary<string, string> { ["retention.ms"] = "1000", ["segment.ms"] = "5" }), Guid.NewGuid).Records]);

    private static ControllerResult<ApiError> Alter(MetadataImage image, params ConfigChange[] changes)
        => ConfigurationControlManager.IncrementalAlter(image, T, changes, new TestSchema());

    private static MetadataImage Commit(MetadataImage image, ControllerResult<ApiError> result)
    {
        Assert.True(result.Response.Succeeded, result.Response.Message);
        return ImageTests.Replay(image, [.. result.Records]);
    }

    [Fact]
    public void Changes_to_different_keys_decided_one_after_the_other_both_survive()
    {
        var image = WithTopic();
        var first = Alter(image, new ConfigChange("retention.ms", ConfigOperation.Set, "2000"));
        var second = Alter(image, new ConfigChange("max.message.bytes", ConfigOperation.Set, "4096"));
        // Each records only the key it names, so neither undoes the other whichever commits first.
        Assert.Equal(["retention.ms"], first.Records.Cast<ConfigRecord>().Select(r => r.Name));
        Assert.Equal(["max.message.bytes"], second.Records.Cast<ConfigRecord>().Select(r => r.Name));
        var both = Commit(Commit(image, second), first);
        Assert.Equal(new Dictionary<string, string> { ["max.message.bytes"] = "4096", ["retention.ms"] = "2000", ["segment.ms"] = "5" }, both.Configs.For(T));
    }

    [Fact]
    public void Set_delete_append_and_subtract_apply_to_the_images_values()
    {
        var image = WithTopic();
        var result = Alter(image,
            new ConfigChange("retention.ms", ConfigOperation.Delete, null),
            new ConfigChange("segment.ms", ConfigOperation.Set, "5"),
            new ConfigChange("cleanup.policy", ConfigOperation.Append, "compact"));
        // segment.ms keeps its value: no record for it.
        Assert.Equal([("retention.ms", null), ("cleanup.policy", "delete,compact")],
            result.Records.Cast<ConfigRecord>().Select(r => (r.Name, r.Value)));
        image = Commit(image, result);
        Assert.Equal(new Dictionary<string, string> { ["cleanup.policy"] = "delete,compact", ["segment.ms"] = "5" }, image.Configs.For(T));

        image = Commit(image, Alter(image, new ConfigChange("cleanup.policy", ConfigOperation.Subtract, "delete,nothing")));
        Assert.Equal("compact", image.Configs.For(T)["cleanup.policy"]);
        image = Commit(image, Alter(image, new ConfigChange("cleanup.policy", ConfigOperation.Append, "compact,delete")));
        Assert.Equal("compact,delete", image.Configs.For(T)["cleanup.policy"]);
        // Deleting a key the topic does not set changes nothing.
        Assert.Empty(Alter(image, new ConfigChange("flush.ms", ConfigOperation.Delete, null)).Records);
    }

    [Fact]
    public void One_bad_key_fails_the_resource_whole_with_kafkas_errors()
    {
        var image = WithTopic();
        var notList = Alter(image, new ConfigChange("retention.ms", ConfigOperation.Set, "1"), new ConfigChange("segment.ms", ConfigOperation.Append, "7"));
        Assert.Equal((ErrorCode.InvalidConfig, "Can't APPEND to key segment.ms because its type is not LIST."), (notList.Response.Error, notList.Response.Message));
        Assert.Empty(notList.Records);

        var invalid = Alter(image, new ConfigChange("retention.ms", ConfigOperation.Set, "1"), new ConfigChange("segment.ms", ConfigOperation.Set, "bad"));
        Assert.Equal(ErrorCode.InvalidConfig, invalid.Response.Error);
        Assert.Empty(invalid.Records);

        var missing = ConfigurationControlManager.IncrementalAlter(image, ConfigResource.Topic("nope"), [new ConfigChange("retention.ms", ConfigOperation.Set, "1")], new TestSchema());
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, missing.Response.Error);
    }

    [Fact]
    public void The_schema_sees_the_resulting_configs_and_only_the_altered_keys()
    {
        var image = WithTopic();
        var schema = new TestSchema();
        ConfigurationControlManager.IncrementalAlter(image, T, [new ConfigChange("retention.ms", ConfigOperation.Set, "1000"), new ConfigChange("segment.ms", ConfigOperation.Delete, null)], schema);
        Assert.Equal(new Dictionary<string, string?> { ["segment.ms"] = null }, Assert.Single(schema.Altered));
    }
}
