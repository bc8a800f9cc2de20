using System.Globalization;
using Runnel.Broker.Authorization;
using Runnel.Broker.Configuration;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Resource = Runnel.Protocol.Messages.IncrementalAlterConfigsRequest.AlterConfigsResource;
using ResourceResponse = Runnel.Protocol.Messages.IncrementalAlterConfigsResponse.AlterConfigsResourceResponse;

namespace Runnel.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs v0-1 on topics and on the cluster-wide broker configs (resource "" or this node's id, both
/// stored as ""). The receiving node first checks each resource's form as Kafka's ConfigAdminManager.preprocess does
/// (each resource and key once, a value for every operation but DELETE, a known resource type, a broker resource
/// naming this node; listener configs refused); the rest goes as received, each key with its own operation, to the
/// active controller (<see cref="ControllerDecision"/>), which applies SET (0), DELETE (1), APPEND (2) and SUBTRACT (3)
/// to the values in its image in one serial step (<see cref="ConfigurationControlManager.IncrementalAlter"/>), so
/// concurrent changes to different keys of one resource all survive.
/// With an authorizer, ALTER_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED) or, for brokers and loggers, on the
/// cluster (CLUSTER_AUTHORIZATION_FAILED), checked on the node that received the request before it forwards.
/// </summary>
internal sealed class IncrementalAlterConfigsHandler : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    public override ApiKey Key => ApiKey.IncrementalAlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<IncrementalAlterConfigsResponse?> HandleAsync(RequestContext context, IncrementalAlterConfigsRequest request)
    {
        var answers = new ResourceResponse?[request.Resources.Count];
        foreach (var repeated in request.Resources.Select((r, i) => (r, i)).GroupBy(x => (x.r.ResourceType, x.r.ResourceName)).Where(g => g.Count() > 1))
        {
            foreach (var (resource, i) in repeated)
                answers[i] = Answer(resource, ErrorCode.InvalidRequest, "Each resource must appear at most once.");
        }
        var forward = new IncrementalAlterConfigsRequest { ValidateOnly = request.ValidateOnly };
        var forwarded = new List<int>();
        for (var i = 0; i < answers.Length; i++)
        {
            if (answers[i] is not null)
                continue;
            var resource = request.Resources[i];
            if (Preprocess(context, resource) is { } refused)
            {
                answers[i] = Answer(resource, refused.Error, refused.Message);
                continue;
            }
            if (ConfigResources.Refused(context, resource.ResourceType, resource.ResourceName, AclOperation.AlterConfigs) is { } unauthorized)
            {
                answers[i] = Answer(resource, unauthorized, null);
                continue;
            }
            forwarded.Add(i);
            forward.Resources.Add(new Resource
            {
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceType == ConfigResources.Broker ? "" : resource.ResourceName,
                Configs = resource.Configs,
            });
        }
        if (forwarded.Count > 0)
        {
            var schema = context.Broker.Topics.Schema;
            var decided = await ControllerDecision.RunAsync(context, Key, MaxVersion, forward, image => Decide(image, forward, schema),
                TopLevel, (error, message) => ErrorFor(forward, error, message), changes: !request.ValidateOnly).ConfigureAwait(false);
            for (var j = 0; j < forwarded.Count; j++)
            {
                var original = request.Resources[forwarded[j]];
                answers[forwarded[j]] = j < decided.Responses.Count
                    ? Answer(original, (ErrorCode)decided.Responses[j].ErrorCode, decided.Responses[j].ErrorMessage)
                    : Answer(original, ErrorCode.UnknownServerError, "The controller did not answer for this resource.");
            }
        }
        return new IncrementalAlterConfigsResponse { Responses = [.. answers.Select(a => a!)] };
    }

    /// <summary>The checks Kafka's brokers make before forwarding; null when the resource goes to the controller.</summary>
    private static ApiError? Preprocess(RequestContext context, Resource resource)
    {
        if (resource.Configs.GroupBy(c => c.Name).Any(g => g.Count() > 1))
            return new(ErrorCode.InvalidRequest, "Error due to duplicate config keys");
        var nulls = resource.Configs.Where(c => c.ConfigOperation != (sbyte)ConfigOperation.Delete && c.Value is null).Select(c => c.Name).ToList();
        if (nulls.Count > 0)
            return new(ErrorCode.InvalidRequest, $"Null value not supported for : {string.Join(", ", nulls)}");
        if (resource.Configs.FirstOrDefault(c => c.ConfigOperation is < 0 or > 3) is { } unknown)
            return new(ErrorCode.InvalidRequest, $"Unknown operations type {unknown.ConfigOperation}");
        switch (resource.ResourceType)
        {
            case ConfigResources.Topic:
                return resource.ResourceName.Length == 0 ? new(ErrorCode.InvalidRequest, "Default topic resources are not allowed.") : null;
            case ConfigResources.Broker:
                if (resource.ResourceName.Length > 0 && !int.TryParse(resource.ResourceName, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    return new(ErrorCode.InvalidRequest, $"Node id must be an integer, but it is: {resource.ResourceName}");
                if (!ConfigResources.IsThisBroker(context, resource.ResourceName))
                    return new(ErrorCode.InvalidRequest, $"Unexpected broker id, expected {context.Broker.NodeId}, but received {resource.ResourceName}");
                var listeners = resource.Configs.Select(c => c.Name).Where(DynamicBrokerConfig.PerBroker.Contains).ToList();
                if (listeners.Count == 0)
                    return null;
                // Kafka takes listener changes for one broker only; Runnel cannot rebind its listeners while running.
                return resource.ResourceName.Length == 0
                    ? new(ErrorCode.InvalidRequest, $"Cannot update these configs at default cluster level, broker id must be specified: Set({string.Join(", ", listeners)})")
                    : new(ErrorCode.InvalidRequest, $"Cannot update these configs dynamically: Set({string.Join(", ", listeners)})");
            default:
                return new(ErrorCode.InvalidRequest, $"Unknown resource type {resource.ResourceType}");
        }
    }

    /// <summary>
    /// The controller's decision on every resource of a preprocessed request, against one image: each resource's
    /// changes are recorded (unless validate-only) when all of its keys pass; the records of all go in one batch.
    /// </summary>
    private static ControllerResult<IncrementalAlterConfigsResponse> Decide(MetadataImage image, IncrementalAlterConfigsRequest request, IConfigSchema schema)
    {
        var records = new List<IKafkaMessage>();
        var response = new IncrementalAlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var target = resource.ResourceType == ConfigResources.Topic ? ConfigResource.Topic(resource.ResourceName) : ConfigResource.ClusterDefault;
            var changes = resource.Configs.Select(c => new ConfigChange(c.Name, (ConfigOperation)c.ConfigOperation, c.Value)).ToList();
            var result = ConfigurationControlManager.IncrementalAlter(image, target, changes, schema);
            if (!request.ValidateOnly)
                records.AddRange(result.Records);
            response.Responses.Add(Answer(resource, result.Response.Error, result.Response.Message));
        }
        return new(records, response);
    }

    /// <summary>NOT_CONTROLLER when every resource says so (the answer of a node that stopped leading), else none.</summary>
    private static ErrorCode TopLevel(IncrementalAlterConfigsResponse response)
        => response.Responses.Count > 0 && response.Responses.All(r => r.ErrorCode == (short)ErrorCode.NotController) ? ErrorCode.NotController : ErrorCode.None;

    private static IncrementalAlterConfigsResponse ErrorFor(IncrementalAlterConfigsRequest request, ErrorCode error, string message)
        => new() { Responses = [.. request.Resources.Select(r => Answer(r, error, message))] };

    private static ResourceResponse Answer(Resource resource, ErrorCode error, string? message) => new()
    {
        ErrorCode = (short)error,
        ErrorMessage = error == ErrorCode.None ? null : message,
        ResourceType = resource.ResourceType,
        ResourceName = resource.ResourceName,
    };
}
