using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// AlterClientQuotas v0-1 (KIP-546), decided by the active controller (<see cref="ClientQuotaControlManager.Alter"/>;
/// other nodes forward it, see <see cref="ControllerDecision"/>): one result per entry, NONE or INVALID_REQUEST with
/// Kafka's message; validateOnly checks without recording. A request-wide failure (NOT_CONTROLLER,
/// REQUEST_TIMED_OUT) is every entry's error.
/// </summary>
internal sealed class AlterClientQuotasHandler : ApiHandler<AlterClientQuotasRequest, AlterClientQuotasResponse>
{
    public override ApiKey Key => ApiKey.AlterClientQuotas;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    /// <summary>ALTER_CONFIGS on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every entry), as Kafka's KafkaApis checks it.</summary>
    protected override async ValueTask<AlterClientQuotasResponse?> HandleAsync(RequestContext context, AlterClientQuotasRequest request)
        => !context.AuthorizeCluster(AclOperation.AlterConfigs)
            ? ErrorResponse(request, ErrorCode.ClusterAuthorizationFailed, "Cluster authorization failed.")
            : await ControllerDecision.RunAsync(context, Key, MaxVersion, request,
            image => ClientQuotaControlManager.Alter(image, request),
            TopLevel, (error, message) => ErrorResponse(request, error, message), changes: !request.ValidateOnly).ConfigureAwait(false);

    /// <summary>The response has no top-level error; a forwarded answer that failed whole shows it on every entry.</summary>
    private static ErrorCode TopLevel(AlterClientQuotasResponse response)
        => response.Entries.Count > 0 && response.Entries.All(e => e.ErrorCode == response.Entries[0].ErrorCode)
            ? (ErrorCode)response.Entries[0].ErrorCode : ErrorCode.None;

    private static AlterClientQuotasResponse ErrorResponse(AlterClientQuotasRequest request, ErrorCode error, string message) => new()
    {
        Entries = [.. request.Entries.Select(e => new AlterClientQuotasResponse.EntryData
        {
            ErrorCode = (short)error,
            ErrorMessage = message,
            Entity = [.. e.Entity.Select(p => new AlterClientQuotasResponse.EntityData { EntityType = p.EntityType, EntityName = p.EntityName })],
        })],
    };
}
