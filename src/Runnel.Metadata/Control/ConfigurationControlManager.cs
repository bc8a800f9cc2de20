using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>
/// Dynamic configs (Kafka's ConfigurationControlManager): a change becomes one ConfigRecord per key (a null value
/// deletes the key). Values are validated by the caller against the broker's definitions.
/// </summary>
public static class ConfigurationControlManager
{
    /// <summary>
    /// Sets the keys in <paramref name="changes"/> (null removes one). With <paramref name="replace"/> (the legacy
    /// AlterConfigs), every key not named is removed as well.
    /// </summary>
    public static ControllerResult<ApiError> Alter(MetadataImage image, ConfigResource resource, IReadOnlyDictionary<string, string?> changes, bool replace)
    {
        if (resource.Type == ConfigResourceType.Topic && image.Topics.Find(resource.Name) is null)
            return ControllerResult.Of(new ApiError(ErrorCode.UnknownTopicOrPartition, $"Topic '{resource.Name}' does not exist."));
        var current = image.Configs.For(resource);
        var records = new List<IKafkaMessage>();
        if (replace)
        {
            foreach (var key in current.Keys.Where(k => !changes.ContainsKey(k)))
                records.Add(Record(resource, key, null));
        }
        foreach (var (key, value) in changes)
        {
            if (current.GetValueOrDefault(key) != value)
                records.Add(Record(resource, key, value));
        }
        return new(records, ApiError.None);
    }

    private static ConfigRecord Record(ConfigResource resource, string key, string? value)
        => new() { ResourceType = (sbyte)resource.Type, ResourceName = resource.Name, Name = key, Value = value };
}
