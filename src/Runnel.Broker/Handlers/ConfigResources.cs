using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Protocol;

namespace Runnel.Broker.Handlers;

/// <summary>The config resources the config APIs address, and the checks they share.</summary>
internal static class ConfigResources
{
    public const sbyte Topic = 2;
    public const sbyte Broker = 4;
    public const sbyte BrokerLogger = 8;

    /// <summary>A broker resource is this node's id, or "" for the cluster-wide default.</summary>
    public static bool IsThisBroker(RequestContext context, string name)
        => name.Length == 0 || name == context.Broker.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Applies new configs to a topic or broker resource; the error for anything else.</summary>
    public static async Task<TopicResult> ApplyAsync(RequestContext context, sbyte type, string name, Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>?> change,
        bool validateOnly)
    {
        var topics = context.Broker.Topics;
        switch (type)
        {
            case Topic:
                var topic = topics.Find(name);
                if (topic is null)
                    return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
                var topicConfigs = change(topic.Configs);
                return topicConfigs is null ? InvalidOperation : await topics.SetConfigsAsync(name, topicConfigs, validateOnly).ConfigureAwait(false);
            case Broker:
                if (!IsThisBroker(context, name))
                    return new(ErrorCode.InvalidRequest, $"Unknown broker '{name}'; this is node {context.Broker.NodeId}.");
                var brokerConfigs = change(topics.DynamicBrokerConfigs);
                return brokerConfigs is null ? InvalidOperation : await topics.SetBrokerConfigsAsync(brokerConfigs, validateOnly).ConfigureAwait(false);
            default:
                return new(ErrorCode.InvalidRequest, $"Config resource type {type} is not supported.");
        }
    }

    private static TopicResult InvalidOperation => new(ErrorCode.InvalidConfig, "APPEND and SUBTRACT apply only to list configs such as cleanup.policy.");
}
