using Runnel.Broker.Pipeline;

namespace Runnel.Broker.Handlers;

/// <summary>The handlers a broker serves; ApiVersions advertises exactly these.</summary>
internal static class BrokerHandlers
{
    public static IEnumerable<ApiHandler> Create() =>
    [
        new ApiVersionsHandler(),
        new MetadataHandler(),
    ];
}
