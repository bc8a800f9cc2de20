using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>IncrementalAlterConfigs' operation on one key (Kafka's AlterConfigOp.OpType ids).</summary>
public enum ConfigOperation : sbyte
{
    Set = 0,
    Delete = 1,
    Append = 2,
    Subtract = 3,
}

/// <summary>One key's operation as a request carries it; the value is null for DELETE.</summary>
public readonly record struct ConfigChange(string Name, ConfigOperation Operation, string? Value);

/// <summary>
/// What the controller needs to know about config keys to decide a change (Kafka's KafkaConfigSchema and
/// ConfigurationValidator): which keys are lists, a key's default, and whether a resource's configs are acceptable.
/// </summary>
public interface IConfigSchema
{
    /// <summary>True for a list config, the only kind APPEND and SUBTRACT apply to.</summary>
    bool IsList(ConfigResourceType type, string name);

    /// <summary>The key's defined default (what APPEND and SUBTRACT start from when the resource does not set it).</summary>
    string? DefaultOf(ConfigResourceType type, string name);

    /// <summary>
    /// Checks <paramref name="configs"/>, every key the resource would set after the change, against
    /// <paramref name="image"/>; <paramref name="altered"/> holds the keys the change writes (null: removed).
    /// </summary>
    ApiError Validate(MetadataImage image, ConfigResource resource, IReadOnlyDictionary<string, string> configs, IReadOnlyDictionary<string, string?> altered);
}

/// <summary>
/// Dynamic configs (Kafka's ConfigurationControlManager): a change becomes one ConfigRecord per key it changes (a null
/// value deletes the key).
/// </summary>
public static class ConfigurationControlManager
{
    /// <summary>
    /// Sets the keys in <paramref name="changes"/> (null removes one). With <paramref name="replace"/> (the legacy
    /// AlterConfigs), every key not named is removed as well. Values are validated by the caller.
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

    /// <summary>
    /// IncrementalAlterConfigs on one resource, decided against <paramref name="image"/> (Kafka's
    /// incrementalAlterConfigResource): each key's operation applies to the value the image holds (SET replaces it,
    /// DELETE removes it, APPEND and SUBTRACT add or remove list items, starting from the key's default when unset),
    /// the resource's resulting configs are validated by <paramref name="schema"/>, and a topic must exist. Records only
    /// the keys whose value changes; nothing when any key fails, so the resource changes whole or not at all. The
    /// caller has checked that each key appears once and that only DELETE has no value.
    /// </summary>
    public static ControllerResult<ApiError> IncrementalAlter(MetadataImage image, ConfigResource resource, IReadOnlyList<ConfigChange> changes, IConfigSchema schema)
    {
        var current = image.Configs.For(resource);
        var altered = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            var old = current.GetValueOrDefault(change.Name);
            string? value;
            switch (change.Operation)
            {
                case ConfigOperation.Set:
                    value = change.Value;
                    break;
                case ConfigOperation.Delete:
                    value = null;
                    break;
                case ConfigOperation.Append or ConfigOperation.Subtract:
                    if (!schema.IsList(resource.Type, change.Name))
                        return ControllerResult.Of(new ApiError(ErrorCode.InvalidConfig, $"Can't {change.Operation.ToString().ToUpperInvariant()} to key {change.Name} because its type is not LIST."));
                    var items = Parts(old ?? schema.DefaultOf(resource.Type, change.Name));
                    foreach (var item in (change.Value ?? "").Split(','))
                    {
                        if (change.Operation == ConfigOperation.Subtract)
                            items.Remove(item);
                        else if (!items.Contains(item))
                            items.Add(item);
                    }
                    value = string.Join(',', items);
                    break;
                default:
                    return ControllerResult.Of(new ApiError(ErrorCode.InvalidRequest, $"Unknown operations type {(sbyte)change.Operation}"));
            }
            if (value != old)
                altered[change.Name] = value;
        }
        var configs = new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (var (key, value) in altered)
        {
            if (value is null)
                configs.Remove(key);
            else
                configs[key] = value;
        }
        var validation = schema.Validate(image, resource, configs, altered);
        if (!validation.Succeeded)
            return ControllerResult.Of(validation);
        if (resource.Type == ConfigResourceType.Topic && image.Topics.Find(resource.Name) is null)
            return ControllerResult.Of(new ApiError(ErrorCode.UnknownTopicOrPartition, $"Topic '{resource.Name}' does not exist."));
        return new([.. altered.Select(a => Record(resource, a.Key, a.Value))], ApiError.None);
    }

    /// <summary>A list value's items, empty ones left out (Kafka's getParts).</summary>
    private static List<string> Parts(string? value)
        => value is null ? [] : [.. value.Split(',').Where(part => part.Length > 0)];

    private static ConfigRecord Record(ConfigResource resource, string key, string? value)
        => new() { ResourceType = (sbyte)resource.Type, ResourceName = resource.Name, Name = key, Value = value };
}
