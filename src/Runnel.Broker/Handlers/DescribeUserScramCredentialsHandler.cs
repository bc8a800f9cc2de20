using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Protocol;
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

    protected override ValueTask<DescribeUserScramCredentialsResponse?> HandleAsync(RequestContext context, DescribeUserScramCredentialsRequest request)
        => new(ScramControlManager.Describe(context.Broker.Quorum.Loader.Image, request.Users?.Select(u => u.Name).ToList()));
}
