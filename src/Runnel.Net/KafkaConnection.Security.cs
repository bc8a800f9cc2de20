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

    /// <summary>Requests submitted while a re-authentication runs, in order; null when none runs.</summary>
    private List<(OutgoingFrame Frame, InFlightRequest? Pending, TimeSpan Timeout)>? _held;

    private ITimer? _reauthenticationTimer;

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
        var handshake = (SaslHandshakeResponse)await Send(ApiKey.SaslHandshake, handshakeVersion,
            new SaslHandshakeRequest { Mechanism = credentials.Mechanism }, new SaslHandshakeResponse(), null, authentication: true, cancellationToken).ConfigureAwait(false);
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
                var reply = (SaslAuthenticateResponse)await Send(ApiKey.SaslAuthenticate, authenticateVersion,
                    new SaslAuthenticateRequest { AuthBytes = token }, new SaslAuthenticateResponse(), null, authentication: true, cancellationToken).ConfigureAwait(false);
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
        ScheduleReauthentication(credentials);
    }

    /// <summary>
    /// KIP-368, as Kafka's clients do it: with a session lifetime from the broker, authenticate again at a random point
    /// between 85% and 95% of it. Other requests wait meanwhile (the broker serves nothing else during the exchange)
    /// and go out in order once it is done; a failed re-authentication kills the connection.
    /// </summary>
    private void ScheduleReauthentication(SaslCredentials credentials)
    {
        _reauthenticationTimer?.Dispose();
        _reauthenticationTimer = null;
        if (SessionLifetime <= TimeSpan.Zero || !IsAlive)
            return;
        var due = SessionLifetime * (0.85 + (0.10 * Random.Shared.NextDouble()));
        _reauthenticationTimer = _options.Time.CreateTimer(_ => _ = ReauthenticateAsync(credentials), null, due, Timeout.InfiniteTimeSpan);
    }

    private async Task ReauthenticateAsync(SaslCredentials credentials)
    {
        lock (_lock)
        {
            if (_failure is not null)
                return;
            _held = [];
        }
        try
        {
            await AuthenticateAsync(credentials, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KafkaConnectionException or OperationCanceledException or InvalidDataException)
        {
            Fail(e as KafkaConnectionException ?? new KafkaConnectionException($"Re-authentication with {Name} failed: {e.Message}", e));
            return;
        }
        lock (_lock)
        {
            if (_held is not { } held)
                return;
            _held = null;
            foreach (var (frame, pending, timeout) in held)
            {
                if (pending is not null)
                {
                    pending.StartDeadline(_options.Time, timeout, TimedOut);
                    _inFlight.Enqueue(pending);
                }
                _outbox.Writer.TryWrite(frame);
            }
        }
    }
}
