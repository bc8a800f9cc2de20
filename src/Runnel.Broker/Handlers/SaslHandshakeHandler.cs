using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Handlers;

/// <summary>
/// SaslHandshake v0-1 once a connection serves requests: on a SASL listener the exchange is over (the connection's
/// authenticator answered it before), and other listeners have none, so Kafka's KafkaApis answers ILLEGAL_SASL_STATE.
/// Registered so ApiVersions lists the version range SASL clients look for.
/// </summary>
internal sealed class SaslHandshakeHandler : ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse>
{
    public override ApiKey Key => ApiKey.SaslHandshake;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override ValueTask<SaslHandshakeResponse?> HandleAsync(RequestContext context, SaslHandshakeRequest request)
        => new(new SaslHandshakeResponse { ErrorCode = (short)ErrorCode.IllegalSaslState });
}

/// <summary>SaslAuthenticate v0-2 after authentication (or where there is none): ILLEGAL_SASL_STATE, as Kafka's KafkaApis.</summary>
internal sealed class SaslAuthenticateHandler : ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>
{
    public override ApiKey Key => ApiKey.SaslAuthenticate;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<SaslAuthenticateResponse?> HandleAsync(RequestContext context, SaslAuthenticateRequest request)
        => new(new SaslAuthenticateResponse
        {
            ErrorCode = (short)ErrorCode.IllegalSaslState,
            ErrorMessage = "SaslAuthenticate request received after successful authentication",
        });
}
