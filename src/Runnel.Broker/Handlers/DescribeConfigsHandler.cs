using System.Globalization;
using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeConfigs v0-4 for topics, this broker (its id) and the cluster-wide default (""): every config with its value
/// in force, its source (v1+), its synonyms when asked (as Kafka's ConfigHelper lists them, see
/// <see cref="ConfigDescriber"/>), and its type and documentation (v3+). A null or empty key list means all configs.
/// BROKER_LOGGER resources have no configs here.
/// With an authorizer, DESCRIBE_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED) or, for brokers and loggers, on the
/// cluster (CLUSTER_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class DescribeConfigsHandler : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>
{
    public override ApiKey Key => ApiKey.DescribeConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<DescribeConfigsResponse?> HandleAsync(RequestContext context, DescribeConfigsRequest request)
    {
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponse.DescribeConfigsResult { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            response.Results.Add(result);
            if (ConfigResources.Refused(context, resource.ResourceType, resource.ResourceName, AclOperation.DescribeConfigs) is { } refused)
            {
                (result.ErrorCode, result.ErrorMessage) = ((short)refused, null);
                continue;
            }
            var entries = Entries(context, resource, result);
            if (entries is null)
                continue;
            var wanted = resource.ConfigurationKeys is { Count: > 0 } keys ? keys.ToHashSet(StringComparer.Ordinal) : null;
            foreach (var entry in entries.Where(e => wanted is null || wanted.Contains(e.Name)))
                result.Configs.Add(Describe(entry, request));
        }
        return new(response);
    }

    /// <summary>
    /// The resource's configs, or null with the result's error set as Kafka sets it: an unknown topic is
    /// UNKNOWN_TOPIC_OR_PARTITION with no message (as in Kafka's ConfigHelper), a bad broker name INVALID_REQUEST
    /// with Kafka's message. A successful result keeps the empty error message Kafka writes.
    /// </summary>
    private static IEnumerable<ConfigEntry>? Entries(RequestContext context, DescribeConfigsRequest.DescribeConfigsResource resource,
        DescribeConfigsResponse.DescribeConfigsResult result)
    {
        var broker = context.Broker;
        var name = resource.ResourceName;
        var nodeId = broker.NodeId;
        string? problem;
        switch (resource.ResourceType)
        {
            case ConfigResources.Topic:
                if (TopicNames.Problem(name) is { } invalid)
                    return Fail(result, ErrorCode.InvalidTopicException, invalid);
                if (broker.Topics.Find(name) is { } topic)
                    return ConfigDescriber.Topic(topic, broker.Config, broker.Topics.DynamicBrokerConfigs);
                return Fail(result, ErrorCode.UnknownTopicOrPartition, "");
            case ConfigResources.Broker when name.Length == 0:
                return ConfigDescriber.ClusterDefault(broker.Config, broker.Topics.DynamicBrokerConfigs);
            case ConfigResources.Broker:
                problem = BrokerIdProblem(name) ?? (int.Parse(name, CultureInfo.InvariantCulture) == nodeId ? null
                    : $"Unexpected broker id, expected {nodeId} or empty string, but received {name}");
                return problem is null ? ConfigDescriber.Broker(broker.Config, broker.Topics.DynamicBrokerConfigs) : Fail(result, ErrorCode.InvalidRequest, problem);
            case ConfigResources.BrokerLogger:
                problem = name.Length == 0 ? "Broker id must not be empty" : BrokerIdProblem(name)
                    ?? (int.Parse(name, CultureInfo.InvariantCulture) == nodeId ? null : $"Unexpected broker id, expected {nodeId} but received {name}");
                return problem is null ? [] : Fail(result, ErrorCode.InvalidRequest, problem);
            default:
                return Fail(result, ErrorCode.InvalidRequest, $"Unsupported resource type: {resource.ResourceType}");
        }
    }

    private static string? BrokerIdProblem(string name)
        => int.TryParse(name, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? null : $"Broker id must be an integer, but it is: {name}";

    private static IEnumerable<ConfigEntry>? Fail(DescribeConfigsResponse.DescribeConfigsResult result, ErrorCode error, string message)
    {
        result.ErrorCode = (short)error;
        result.ErrorMessage = message;
        return null;
    }

    private static DescribeConfigsResponse.DescribeConfigsResourceResult Describe(ConfigEntry entry, DescribeConfigsRequest request)
    {
        var described = new DescribeConfigsResponse.DescribeConfigsResourceResult
        {
            Name = entry.Name,
            Value = entry.Value,
            ReadOnly = entry.ReadOnly,
            IsDefault = entry.Source == ConfigSource.DefaultConfig,
            ConfigSource = (sbyte)entry.Source,
            IsSensitive = entry.Sensitive,
            ConfigType = entry.WireType,
            Documentation = request.IncludeDocumentation ? entry.Documentation : null,
        };
        if (request.IncludeSynonyms)
        {
            described.Synonyms = [.. entry.Synonyms.Select(s => new DescribeConfigsResponse.DescribeConfigsSynonym
            {
                Name = s.Name,
                Value = s.Value,
                Source = (sbyte)s.Source,
            })];
        }
        return described;
    }
}
