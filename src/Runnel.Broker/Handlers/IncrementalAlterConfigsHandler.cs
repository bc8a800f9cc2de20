using Runnel.Broker.Configuration;
using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs v0-1: SET (0), DELETE (1, back to the default), APPEND (2) and SUBTRACT (3) for list
/// configs, on topics and on the broker's runtime-changeable topic defaults (resource "" or this node's id).
/// </summary>
internal sealed class IncrementalAlterConfigsHandler : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    private const sbyte Set = 0, Delete = 1, Append = 2, Subtract = 3;

    public override ApiKey Key => ApiKey.IncrementalAlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<IncrementalAlterConfigsResponse?> HandleAsync(RequestContext context, IncrementalAlterConfigsRequest request)
    {
        var response = new IncrementalAlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var duplicate = resource.Configs.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
            var result = duplicate is not null
                ? new Topics.TopicResult(ErrorCode.InvalidRequest, $"Config {duplicate.Key} appears more than once.")
                : await ConfigResources.ApplyAsync(context, resource.ResourceType, resource.ResourceName, current => Change(current, resource.Configs, context, resource.ResourceType), request.ValidateOnly).ConfigureAwait(false);
            response.Responses.Add(new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse
            {
                ErrorCode = (short)result.Error,
                ErrorMessage = result.Message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            });
        }
        return response;
    }

    /// <summary>The resource's configs after the operations, or null when an operation does not fit its config.</summary>
    private static Dictionary<string, string>? Change(IReadOnlyDictionary<string, string> current,
        List<IncrementalAlterConfigsRequest.AlterableConfig> operations, RequestContext context, sbyte resourceType)
    {
        var configs = new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            switch (operation.ConfigOperation)
            {
                case Set when operation.Value is not null:
                    configs[operation.Name] = operation.Value;
                    break;
                case Delete:
                    configs.Remove(operation.Name);
                    break;
                case Append or Subtract when IsList(operation.Name) && operation.Value is not null:
                    var inForce = configs.TryGetValue(operation.Name, out var value) ? value : DefaultOf(context, resourceType, operation.Name);
                    var items = ConfigDefinition.SplitList(inForce ?? "").ToList();
                    foreach (var item in ConfigDefinition.SplitList(operation.Value))
                    {
                        if (operation.ConfigOperation == Append && !items.Contains(item))
                            items.Add(item);
                        else if (operation.ConfigOperation == Subtract)
                            items.Remove(item);
                    }
                    configs[operation.Name] = string.Join(',', items);
                    break;
                default:
                    return null;
            }
        }
        return configs;
    }

    private static bool IsList(string name)
        => (TopicConfigs.TryGet(name, out var topic, out _) && topic.Type == ConfigType.List)
            || BrokerConfigs.All.Any(d => d.Name == name && d.Type == ConfigType.List);

    private static string? DefaultOf(RequestContext context, sbyte resourceType, string name)
        => resourceType == ConfigResources.Topic && TopicConfigs.TryGet(name, out _, out var synonym)
            ? context.Broker.Topics.DynamicBrokerConfigs.GetValueOrDefault(synonym) ?? context.Broker.Config.TopicDefaults().GetValueOrDefault(name)
            : context.Broker.Config.GetString(name);
}
