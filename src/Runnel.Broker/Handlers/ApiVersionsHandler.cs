using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// ApiVersions v0-4: the version ranges of every registered handler, so the list can never disagree with what is
/// served. v3+ bodies are flexible but the reply header stays v0 (KIP-511); a version above 4 never gets here, it is
/// answered with the v0-shaped UNSUPPORTED_VERSION reply by the pipeline. Client software name and version (v3+)
/// are only logged.
/// </summary>
internal sealed class ApiVersionsHandler : ApiHandler<ApiVersionsRequest, ApiVersionsResponse>
{
    public override ApiKey Key => ApiKey.ApiVersions;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<ApiVersionsResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request)
    {
        var response = new ApiVersionsResponse
        {
            ApiKeys = [.. context.Broker.Handlers.All.Select(h => new ApiVersionsResponse.ApiVersion
            {
                ApiKey = (short)h.Key,
                MinVersion = h.MinVersion,
                MaxVersion = h.MaxVersion,
            })],
        };
        return new(response);
    }
}
