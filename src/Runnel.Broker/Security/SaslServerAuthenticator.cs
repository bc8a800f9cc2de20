using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Security;

/// <summary>What the connection does with one frame received before SASL authentication completed.</summary>
internal readonly record struct SaslStep(
    SaslStep.Kind Action, RequestHeader? Header = null, IKafkaMessage? Response = null, byte[]? RawToken = null, string? CloseReason = null,
    bool Failed = false)
{
    public enum Kind
    {
        /// <summary>Serve the frame (ApiVersions) through the request pipeline.</summary>
        Dispatch,

        /// <summary>Send <see cref="Response"/>; close afterwards when <see cref="CloseReason"/> is set.</summary>
        Reply,

        /// <summary>Send <see cref="RawToken"/> size-prefixed, without a Kafka header (after SaslHandshake v0).</summary>
        RawReply,

        /// <summary>Close without a reply.</summary>
        Close,
    }
}

/// <summary>
/// The SASL exchange on one connection, as Kafka's SaslServerAuthenticator: until authentication completes only
/// ApiVersions and SaslHandshake are served, then SaslAuthenticate (or, after SaslHandshake v0, bare tokens). Any
/// other request before the handshake closes the connection without a reply; a request other than
/// SaslAuthenticate after it is answered with ILLEGAL_SASL_STATE where its reply can be built (ApiVersions,
/// SaslHandshake), and closes the connection. A mechanism not enabled is answered UNSUPPORTED_SASL_MECHANISM, a failed
/// authentication SASL_AUTHENTICATION_FAILED; both then close. The successful SaslAuthenticate reply (v1+) carries the
/// session lifetime (KIP-368; connections.max.reauth.ms, 0 when re-authentication is not required). A
/// re-authentication (<paramref name="previous"/>: the session it renews) follows Kafka's rules: a handshake naming
/// another enabled mechanism is answered as usual and the SaslAuthenticate after it fails; an exchange that ends as
/// another principal fails; both with SASL_AUTHENTICATION_FAILED, then close.
/// </summary>
internal sealed class SaslServerAuthenticator(SaslSettings settings, StoredScramCredentials? stored = null, SaslServerAuthenticator.Session? previous = null)
{
    /// <summary>What a completed authentication established: its mechanism and principal.</summary>
    public sealed record Session(string Mechanism, string Principal);

    private string? _badMechanism;

    /// <summary>The SaslAuthenticate version the client used; v1+ clients can re-authenticate (KIP-368).</summary>
    public short AuthenticateVersion { get; private set; } = -1;

    private enum State { Handshake, Authenticate, Complete, Failed }

    private State _state = State.Handshake;
    private ISaslMechanismServer? _server;
    private short _handshakeVersion;

    public bool IsComplete => _state == State.Complete;

    /// <summary>"User:" and the authenticated user, once complete.</summary>
    public string? Principal => IsComplete ? KafkaPrincipals.User(_server!.Username!) : null;

    public string? Mechanism => _server?.Mechanism;

    public SaslStep Handle(ReadOnlyMemory<byte> frame)
    {
        if (_state == State.Authenticate && _handshakeVersion == 0)
            return Token(frame.Span, header: null);
        var reader = new KafkaReader(frame);
        var header = Framing.ReadRequestHeader(ref reader, frame.Span);
        if (reader.Failed)
            return Fail($"malformed request header before SASL authentication: {reader.Failure}");
        var key = (ApiKey)header.RequestApiKey;
        if (_state == State.Handshake)
        {
            return key switch
            {
                ApiKey.ApiVersions => new SaslStep(SaslStep.Kind.Dispatch, header),
                ApiKey.SaslHandshake => Handshake(ref reader, header),
                _ => Fail($"Unexpected Kafka request of type {key} during SASL handshake."),
            };
        }
        if (key == ApiKey.SaslAuthenticate)
        {
            if (header.RequestApiVersion is < 0 or > 2)
                return Fail($"unsupported SaslAuthenticate version {header.RequestApiVersion}");
            var request = new SaslAuthenticateRequest();
            request.Read(ref reader, header.RequestApiVersion);
            AuthenticateVersion = header.RequestApiVersion;
            return reader.Failed ? Fail($"malformed SaslAuthenticate request: {reader.Failure}") : Token(request.AuthBytes, header);
        }
        var reason = $"Unexpected Kafka request of type {key} during SASL authentication.";
        _state = State.Failed;
        IKafkaMessage? refusal = key switch
        {
            ApiKey.SaslHandshake => new SaslHandshakeResponse { ErrorCode = (short)ErrorCode.IllegalSaslState },
            ApiKey.ApiVersions => new ApiVersionsResponse { ErrorCode = (short)ErrorCode.IllegalSaslState },
            _ => null,
        };
        return refusal is null ? Fail(reason) : new SaslStep(SaslStep.Kind.Reply, header, refusal, CloseReason: reason, Failed: true);
    }

    private SaslStep Handshake(ref KafkaReader reader, RequestHeader header)
    {
        if (header.RequestApiVersion is < 0 or > 1)
            return Fail($"unsupported SaslHandshake version {header.RequestApiVersion}");
        var request = new SaslHandshakeRequest();
        request.Read(ref reader, header.RequestApiVersion);
        if (reader.Failed)
            return Fail($"malformed SaslHandshake request: {reader.Failure}");
        var response = new SaslHandshakeResponse { Mechanisms = [.. settings.Mechanisms] };
        _server = settings.CreateServer(request.Mechanism, stored);
        if (_server is null)
        {
            _state = State.Failed;
            response.ErrorCode = (short)ErrorCode.UnsupportedSaslMechanism;
            return new SaslStep(SaslStep.Kind.Reply, header, response,
                CloseReason: $"Unsupported SASL mechanism {request.Mechanism}", Failed: true);
        }
        _handshakeVersion = header.RequestApiVersion;
        _state = State.Authenticate;
        if (previous is not null && request.Mechanism != previous.Mechanism)
            _badMechanism = $"SASL mechanism '{request.Mechanism}' requested by client is not supported for re-authentication of mechanism '{previous.Mechanism}'";
        return new SaslStep(SaslStep.Kind.Reply, header, response);
    }

    private SaslStep Token(ReadOnlySpan<byte> token, RequestHeader? header)
    {
        byte[] challenge;
        try
        {
            if (_badMechanism is { } bad)
                throw new SaslAuthenticationException(bad);
            challenge = _server!.EvaluateResponse(token);
            if (previous is not null && _server.IsComplete && KafkaPrincipals.User(_server.Username!) != previous.Principal)
            {
                throw new SaslAuthenticationException(
                    $"Cannot change principals during re-authentication from {Dotted(previous.Principal)}: {Dotted(KafkaPrincipals.User(_server.Username!))}");
            }
        }
        catch (SaslAuthenticationException e)
        {
            _state = State.Failed;
            var reason = $"Failed authentication with SASL mechanism {_server!.Mechanism} ({e.Message})";
            // After SaslHandshake v0 there is no Kafka reply to carry the error: the connection just closes.
            return header is null
                ? new SaslStep(SaslStep.Kind.Close, CloseReason: reason, Failed: true)
                : new SaslStep(SaslStep.Kind.Reply, header, new SaslAuthenticateResponse
                {
                    ErrorCode = (short)ErrorCode.SaslAuthenticationFailed,
                    ErrorMessage = e.Message,
                }, CloseReason: reason, Failed: true);
        }
        if (_server.IsComplete)
            _state = State.Complete;
        return header is null
            ? new SaslStep(SaslStep.Kind.RawReply, RawToken: challenge)
            : new SaslStep(SaslStep.Kind.Reply, header, new SaslAuthenticateResponse
            {
                AuthBytes = challenge,
                SessionLifetimeMs = _state == State.Complete ? settings.MaxReauthMs : 0,
            });
    }

    /// <summary>Kafka's message spells a principal type.name.</summary>
    private static string Dotted(string principal) => principal.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
        ? $"{principal[..colon]}.{principal[(colon + 1)..]}" : principal;

    private SaslStep Fail(string reason)
    {
        _state = State.Failed;
        return new SaslStep(SaslStep.Kind.Close, CloseReason: reason, Failed: true);
    }
}
