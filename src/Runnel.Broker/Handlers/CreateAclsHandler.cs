using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// CreateAcls v0-3 (v1+ carries the pattern type; v0 is LITERAL), decided by the active controller
/// (<see cref="AclControlManager.CreateAcls"/>; other nodes forward it, see <see cref="ControllerDecision"/>). Needs
/// ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED for every creation otherwise); with no authorizer configured
/// every creation fails with SECURITY_DISABLED, as in Kafka. Per creation NONE or INVALID_REQUEST; creating an ACL
/// that exists succeeds and changes nothing.
/// </summary>
internal sealed class CreateAclsHandler : ApiHandler<CreateAclsRequest, CreateAclsResponse>
{
    public override ApiKey Key => ApiKey.CreateAcls;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override async ValueTask<CreateAclsResponse?> HandleAsync(RequestContext context, CreateAclsRequest request)
    {
        if (!context.HasAuthorizer())
            return ErrorResponse(request, ErrorCode.SecurityDisabled, "No Authorizer is configured.");
        if (!context.AuthorizeCluster(AclOperation.Alter))
            return ErrorResponse(request, ErrorCode.ClusterAuthorizationFailed, null);
        return await ControllerDecision.RunAsync(context, Key, MaxVersion, request,
            image => AclControlManager.CreateAcls(image, request.Creations),
            r => r.Results.Count > 0 && r.Results.All(c => c.ErrorCode == (short)ErrorCode.NotController) ? ErrorCode.NotController : ErrorCode.None,
            (error, message) => ErrorResponse(request, error, message), changes: true).ConfigureAwait(false);
    }

    private static CreateAclsResponse ErrorResponse(CreateAclsRequest request, ErrorCode error, string? message) => new()
    {
        Results = [.. request.Creations.Select(_ => new CreateAclsResponse.AclCreationResult { ErrorCode = (short)error, ErrorMessage = message })],
    };
}
