using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;

namespace Runnel.Broker.Handlers;

/// <summary>The config resources the config APIs address, and the checks they share.</summary>
internal static class ConfigResources
{
    public const sbyte Topic = 2;
    public const sbyte Broker = 4;
    public const sbyte BrokerLogger = 8;

    /// <summary>
    /// The authorization error for <paramref name="operation"/> (DESCRIBE_CONFIGS or ALTER_CONFIGS) on a config
    /// resource, as Kafka checks it: a topic on the topic (TOPIC_AUTHORIZATION_FAILED), a broker or broker logger on the
    /// cluster (CLUSTER_AUTHORIZATION_FAILED); null when allowed.
    /// </summary>
    public static ErrorCode? Refused(RequestContext context, sbyte type, string name, AclOperation operation) => type switch
    {
        Topic when !context.AuthorizeTopic(operation, name) => ErrorCode.TopicAuthorizationFailed,
        Broker or BrokerLogger when !context.AuthorizeCluster(operation) => ErrorCode.ClusterAuthorizationFailed,
        _ => null,
    };

    /// <summary>A broker resource is this node's id, or "" for the cluster-wide default.</summary>
    public static bool IsThisBroker(RequestContext context, string name)
        => name.Length == 0 || name == context.Broker.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Replaces the configs of a topic or broker resource (the legacy AlterConfigs); the error for anything else.</summary>
    public static async Task<TopicResult> ReplaceAsync(RequestContext context, sbyte type, string name, IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        var topics = context.Broker.Topics;
        switch (type)
        {
            case Topic:
                var topic = topics.Find(name);
                if (topic is null)
                    return new(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
                return await topics.SetConfigsAsync(name, configs, validateOnly).ConfigureAwait(false);
            case Broker:
                if (!IsThisBroker(context, name))
                    return new(ErrorCode.InvalidRequest, $"Unknown broker '{name}'; this is node {context.Broker.NodeId}.");
                return await topics.SetBrokerConfigsAsync(configs, validateOnly).ConfigureAwait(false);
            default:
                return new(ErrorCode.InvalidRequest, $"Config resource type {type} is not supported.");
        }
    }
}
