using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeConfigs v0-4 for topics and this broker: every config with its value in force, its source (v1+), its
/// synonyms when asked (the topic override, the broker key behind it, the default), and its type and documentation
/// (v3+). A null key list means all configs. BROKER_LOGGER resources have no configs here.
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
            var entries = Entries(context, resource, result);
            if (entries is null)
                continue;
            var wanted = resource.ConfigurationKeys?.ToHashSet(StringComparer.Ordinal);
            foreach (var entry in entries.Where(e => wanted is null || wanted.Contains(e.Name)))
                result.Configs.Add(Describe(context, entry, request));
        }
        return new(response);
    }

    private static IEnumerable<ConfigEntry>? Entries(RequestContext context, DescribeConfigsRequest.DescribeConfigsResource resource,
        DescribeConfigsResponse.DescribeConfigsResult result)
    {
        var broker = context.Broker;
        switch (resource.ResourceType)
        {
            case ConfigResources.Topic:
                if (broker.Topics.Find(resource.ResourceName) is { } topic)
                    return ConfigDescriber.Topic(topic, broker.Config, broker.Topics.DynamicBrokerConfigs);
                result.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                result.ErrorMessage = $"Topic '{resource.ResourceName}' does not exist.";
                return null;
            case ConfigResources.Broker when ConfigResources.IsThisBroker(context, resource.ResourceName):
                return ConfigDescriber.Broker(broker.Config, broker.Topics.DynamicBrokerConfigs);
            case ConfigResources.BrokerLogger when ConfigResources.IsThisBroker(context, resource.ResourceName):
                return [];
            default:
                result.ErrorCode = (short)ErrorCode.InvalidRequest;
                result.ErrorMessage = $"Unknown resource {resource.ResourceType}/{resource.ResourceName}.";
                return null;
        }
    }

    private static DescribeConfigsResponse.DescribeConfigsResourceResult Describe(RequestContext context, ConfigEntry entry, DescribeConfigsRequest request)
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
            described.Synonyms = Synonyms(context, entry);
        return described;
    }

    /// <summary>Where the value could come from, strongest first, as Kafka lists them.</summary>
    private static List<DescribeConfigsResponse.DescribeConfigsSynonym> Synonyms(RequestContext context, ConfigEntry entry)
    {
        var synonyms = new List<DescribeConfigsResponse.DescribeConfigsSynonym>();
        void Add(string name, string? value, ConfigSource source)
            => synonyms.Add(new DescribeConfigsResponse.DescribeConfigsSynonym { Name = name, Value = value, Source = (sbyte)source });
        if (entry.Source == ConfigSource.DynamicTopicConfig)
            Add(entry.Name, entry.Value, ConfigSource.DynamicTopicConfig);
        var brokerKey = entry.BrokerSynonym ?? entry.Name;
        if (context.Broker.Topics.DynamicBrokerConfigs.TryGetValue(brokerKey, out var dynamic))
            Add(brokerKey, dynamic, ConfigSource.DynamicDefaultBrokerConfig);
        if (context.Broker.Config.IsSet(brokerKey))
            Add(brokerKey, context.Broker.Config.GetString(brokerKey), ConfigSource.StaticBrokerConfig);
        if (Configuration.TopicConfigs.TryGet(entry.Name, out var definition, out _))
            Add(brokerKey, definition.Default, ConfigSource.DefaultConfig);
        return synonyms;
    }
}
