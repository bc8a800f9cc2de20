using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeUserScramCredentials v0 (KIP-554), served from this broker's metadata image
/// (<see cref="ScramControlManager.Describe"/>): per user its mechanisms and iterations, never salts or keys. A null
/// or empty list describes every user; a user named twice is DUPLICATE_RESOURCE, an unknown one RESOURCE_NOT_FOUND.
/// </summary>
internal sealed class DescribeUserScramCredentialsHandler : ApiHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>
{
    public override ApiKey Key => ApiKey.DescribeUserScramCredentials;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    /// <summary>DESCRIBE on the cluster, as Kafka's KafkaApis checks it.</summary>
    protected override ValueTask<DescribeUserScramCredentialsResponse?> HandleAsync(RequestContext context, DescribeUserScramCredentialsRequest request)
        => new(context.AuthorizeCluster(AclOperation.Describe)
            ? ScramControlManager.Describe(context.Broker.Quorum.Loader.Image, request.Users?.Select(u => u.Name).ToList())
            : new DescribeUserScramCredentialsResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed, ErrorMessage = "Cluster authorization failed." });
}
