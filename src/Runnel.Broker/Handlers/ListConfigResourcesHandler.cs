using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// ListConfigResources v0-1 (KIP-1142; v0 is ListClientMetricsResources), as Kafka's handleListConfigResources: the
/// types a version supports are CLIENT_METRICS (v0) and TOPIC, BROKER, BROKER_LOGGER, CLIENT_METRICS, GROUP (v1); an
/// empty filter means all of them, and a filter naming any other type is UNSUPPORTED_VERSION with nothing listed.
/// Resources come in Kafka's order: groups with configs, client metrics subscriptions (Runnel has neither, so none),
/// then each registered broker with an endpoint on the request's listener as a broker logger and again as a broker,
/// then every topic.
/// With an authorizer, needs DESCRIBE_CONFIGS on the cluster (CLUSTER_AUTHORIZATION_FAILED), as Kafka's
/// ListClientMetricsResources.
/// </summary>
internal sealed class ListConfigResourcesHandler : ApiHandler<ListConfigResourcesRequest, ListConfigResourcesResponse>
{
    private const sbyte ClientMetrics = 16;
    private const sbyte Group = 32;

    private static readonly sbyte[] V0Types = [ClientMetrics];
    private static readonly sbyte[] V1Types = [ConfigResources.Topic, ConfigResources.Broker, ConfigResources.BrokerLogger, ClientMetrics, Group];

    public override ApiKey Key => ApiKey.ListConfigResources;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override ValueTask<ListConfigResourcesResponse?> HandleAsync(RequestContext context, ListConfigResourcesRequest request)
    {
        var response = new ListConfigResourcesResponse();
        if (!context.AuthorizeCluster(AclOperation.DescribeConfigs))
        {
            response.ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed;
            return new(response);
        }
        var supported = context.Version == 0 ? V0Types : V1Types;
        var types = request.ResourceTypes.Count == 0 ? supported : [.. request.ResourceTypes];
        if (types.Any(t => !supported.Contains(t)))
        {
            response.ErrorCode = (short)ErrorCode.UnsupportedVersion;
            return new(response);
        }
        response.ConfigResources = List(context.Broker.Quorum.Loader.Image, types, context.Connection.ListenerName);
        return new(response);
    }

    internal static List<ListConfigResourcesResponse.ConfigResource> List(MetadataImage image, IReadOnlyCollection<sbyte> types, string listenerName)
    {
        var listed = new List<ListConfigResourcesResponse.ConfigResource>();
        void Add(sbyte type, IEnumerable<string> names)
        {
            if (types.Contains(type))
                listed.AddRange(names.Select(name => new ListConfigResourcesResponse.ConfigResource { ResourceName = name, ResourceType = type }));
        }
        var brokers = image.Cluster.Brokers.Values
            .Where(b => b.Endpoints.Any(e => e.Name.Equals(listenerName, StringComparison.OrdinalIgnoreCase)))
            .Select(b => b.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Add(ConfigResources.BrokerLogger, brokers);
        Add(ConfigResources.Broker, brokers);
        Add(ConfigResources.Topic, image.Topics.ByName.Keys);
        return listed;
    }
}
