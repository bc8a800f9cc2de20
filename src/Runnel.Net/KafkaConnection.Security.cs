using System.Net.Security;
using System.Security.Authentication;
using Runnel.Net.Security;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Net;

/// <summary>
/// TLS around the socket before any byte of Kafka's protocol, and the SASL exchange as Kafka's clients run it:
/// SaslHandshake naming the mechanism, then SaslAuthenticate carrying the mechanism's tokens until it is done.
/// </summary>
public sealed partial class KafkaConnection
{
    /// <summary>
    /// The session lifetime the broker granted in its last SaslAuthenticate reply (KIP-368), or zero when it set none.
    /// </summary>
    public TimeSpan SessionLifetime { get; private set; }

    private async Task StartTlsAsync(string host, TlsClientSettings tls, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        _stream = ssl;
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await ssl.AuthenticateAsClientAsync(tls.ClientOptions(host), linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when ((e is AuthenticationException or IOException or OperationCanceledException) && !cancellationToken.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? $"no answer within {_options.ConnectTimeout.TotalSeconds:0.#} s" : e.InnerException?.Message ?? e.Message;
            throw new KafkaConnectionException($"TLS handshake with {Name} failed: {reason}", e);
        }
    }

    /// <summary>
    /// Authenticates with <paramref name="credentials"/>; a refused mechanism or a failed authentication is a
    /// <see cref="KafkaConnectionException"/> carrying the broker's error code.
    /// </summary>
    private async Task AuthenticateAsync(SaslCredentials credentials, CancellationToken cancellationToken)
    {
        var client = credentials.CreateClient()
            ?? throw new KafkaConnectionException($"SASL mechanism {credentials.Mechanism} is not supported by this client.") { ErrorCode = ErrorCode.UnsupportedSaslMechanism };
        var handshakeVersion = _versions?.TryNegotiate(ApiKey.SaslHandshake, out var h, out _) == true ? h : (short)1;
        var handshake = (SaslHandshakeResponse)await SendAsync(ApiKey.SaslHandshake, handshakeVersion,
            new SaslHandshakeRequest { Mechanism = credentials.Mechanism }, new SaslHandshakeResponse(), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (handshake.ErrorCode != 0)
        {
            var code = (ErrorCode)handshake.ErrorCode;
            throw new KafkaConnectionException(
                $"{Name} refused SASL mechanism {credentials.Mechanism} with {ErrorCodes.Name(code)}; it offers [{string.Join(", ", handshake.Mechanisms)}]")
            { ErrorCode = code };
        }
        var authenticateVersion = _versions?.TryNegotiate(ApiKey.SaslAuthenticate, out var a, out _) == true ? a : (short)1;
        try
        {
            var token = client.Next([]);
            while (token is not null)
            {
                var reply = (SaslAuthenticateResponse)await SendAsync(ApiKey.SaslAuthenticate, authenticateVersion,
                    new SaslAuthenticateRequest { AuthBytes = token }, new SaslAuthenticateResponse(), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (reply.ErrorCode != 0)
                {
                    var code = (ErrorCode)reply.ErrorCode;
                    throw new KafkaConnectionException($"{Name} refused authentication ({credentials}) with {ErrorCodes.Name(code)}: {reply.ErrorMessage}")
                    { ErrorCode = code };
                }
                SessionLifetime = TimeSpan.FromMilliseconds(Math.Max(0, reply.SessionLifetimeMs));
                token = client.Next(reply.AuthBytes);
            }
        }
        catch (SaslClientException e)
        {
            throw new KafkaConnectionException($"Authentication with {Name} ({credentials}) failed: {e.Message}", e) { ErrorCode = ErrorCode.SaslAuthenticationFailed };
        }
        if (!client.IsComplete)
            throw new KafkaConnectionException($"Authentication with {Name} ({credentials}) ended before the exchange completed.") { ErrorCode = ErrorCode.SaslAuthenticationFailed };
    }
}
