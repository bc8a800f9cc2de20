using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// AlterUserScramCredentials v0 (KIP-554), decided by the active controller (<see cref="ScramControlManager.Alter"/>;
/// other nodes forward it, see <see cref="ControllerDecision"/>): one result per user named, NONE or the user's error.
/// Upsertions carry the salt and salted password the client derived; only StoredKey and ServerKey are kept. A
/// request-wide failure (NOT_CONTROLLER, REQUEST_TIMED_OUT) is every named user's error.
/// </summary>
internal sealed class AlterUserScramCredentialsHandler : ApiHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>
{
    public override ApiKey Key => ApiKey.AlterUserScramCredentials;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    /// <summary>ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every user), as Kafka's KafkaApis checks it.</summary>
    protected override async ValueTask<AlterUserScramCredentialsResponse?> HandleAsync(RequestContext context, AlterUserScramCredentialsRequest request)
        => !context.AuthorizeCluster(AclOperation.Alter)
            ? ErrorResponse(request, ErrorCode.ClusterAuthorizationFailed, "Cluster authorization failed.")
            : await ControllerDecision.RunAsync(context, Key, MaxVersion, request,
            image => ScramControlManager.Alter(image, request),
            TopLevel, (error, message) => ErrorResponse(request, error, message), changes: true).ConfigureAwait(false);

    /// <summary>The response has no top-level error; a forwarded answer that failed whole shows it on every user.</summary>
    private static ErrorCode TopLevel(AlterUserScramCredentialsResponse response)
        => response.Results.Count > 0 && response.Results.All(r => r.ErrorCode == response.Results[0].ErrorCode)
            ? (ErrorCode)response.Results[0].ErrorCode : ErrorCode.None;

    private static AlterUserScramCredentialsResponse ErrorResponse(AlterUserScramCredentialsRequest request, ErrorCode error, string message) => new()
    {
        Results = [.. request.Deletions.Select(d => d.Name).Concat(request.Upsertions.Select(u => u.Name)).Distinct(StringComparer.Ordinal)
            .Select(user => new AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult { User = user, ErrorCode = (short)error, ErrorMessage = message })],
    };
}
