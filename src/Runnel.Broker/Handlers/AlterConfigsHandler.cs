using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// AlterConfigs v0-2 (the legacy form): the configs given replace all of a resource's own configs; anything not
/// named goes back to its default. Topics, and the broker's runtime-changeable topic defaults.
/// With an authorizer, ALTER_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED) or, for brokers, on the cluster
/// (CLUSTER_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class AlterConfigsHandler : ApiHandler<AlterConfigsRequest, AlterConfigsResponse>
{
    public override ApiKey Key => ApiKey.AlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<AlterConfigsResponse?> HandleAsync(RequestContext context, AlterConfigsRequest request)
    {
        var response = new AlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = ConfigResources.Refused(context, resource.ResourceType, resource.ResourceName, AclOperation.AlterConfigs) is { } refused
                ? new Topics.TopicResult(refused, null)
                : resource.Configs.Any(c => c.Value is null)
                ? new Topics.TopicResult(ErrorCode.InvalidRequest, "Null value not supported for configs.")
                : await ConfigResources.ReplaceAsync(context, resource.ResourceType, resource.ResourceName,
                    resource.Configs.ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal), request.ValidateOnly).ConfigureAwait(false);
            response.Responses.Add(new AlterConfigsResponse.AlterConfigsResourceResponse
            {
                ErrorCode = (short)result.Error,
                ErrorMessage = result.Message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            });
        }
        return response;
    }
}
