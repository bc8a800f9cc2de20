using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Security;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Transport;

/// <summary>
/// KIP-368 on a SASL connection, as Kafka's KafkaChannel and SaslServerAuthenticator do it: when
/// connections.max.reauth.ms gave the session an end, the client
/// re-authenticates by sending SaslHandshake v1 again, at most once a second (otherwise, and without a session end,
/// the handshake is served as any request: ILLEGAL_SASL_STATE). The replies to its earlier
/// requests are written first; then its handshake and tokens are answered in turn, with nothing else served, and it
/// must name the same mechanism and end as the same principal. With connections.max.reauth.ms set, each
/// authentication grants that long a session (told to the client in SaslAuthenticate), and a request other than
/// SaslHandshake after the session ended closes the connection.
/// </summary>
internal sealed partial class ClientConnection
{
    private SaslServerAuthenticator? _reauthentication;
    private string? _saslMechanism;
    private long _sessionExpiresAt = long.MaxValue;
    private long _lastReauthenticationStart = long.MinValue;

    /// <summary>Called when an authentication (the first or a later one) completed.</summary>
    private void SessionStarted(SaslServerAuthenticator authenticator, SaslSettings settings)
    {
        _saslMechanism = authenticator.Mechanism;
        // Clients too old to re-authenticate (SaslAuthenticate v0, or none) get the same end: their connection closes then (KIP-368).
        _sessionExpiresAt = settings.MaxReauthMs > 0
            ? _time.GetTimestamp() + (long)(settings.MaxReauthMs / 1000.0 * _time.TimestampFrequency)
            : long.MaxValue;
    }

    private bool SessionExpired() => _sessionExpiresAt != long.MaxValue && _time.GetTimestamp() >= _sessionExpiresAt;

    /// <summary>A SaslHandshake v1 on a SASL connection whose session has an end, a second or more after the last re-authentication began.</summary>
    private bool StartsReauthentication(ReadOnlySpan<byte> frame)
    {
        if (_security.Sasl is null || _sessionExpiresAt == long.MaxValue || frame.Length < 4
            || BinaryPrimitives.ReadInt16BigEndian(frame) != (short)ApiKey.SaslHandshake || BinaryPrimitives.ReadInt16BigEndian(frame[2..]) < 1)
            return false;
        var now = _time.GetTimestamp();
        if (_lastReauthenticationStart != long.MinValue && _time.GetElapsedTime(_lastReauthenticationStart, now) < TimeSpan.FromSeconds(1))
            return false;
        _lastReauthenticationStart = now;
        return true;
    }

    private async ValueTask<bool> ReauthenticateAsync(byte[] frame, int size, CancellationToken cancellation)
    {
        var settings = _security.Sasl!;
        if (_reauthentication is null)
        {
            // Every earlier request is answered under the old session before the new one begins.
            await WrittenAsync(cancellation).ConfigureAwait(false);
            _reauthentication = new SaslServerAuthenticator(settings, _security.StoredScram, new SaslServerAuthenticator.Session(_saslMechanism!, _info.Principal));
        }
        var authenticator = _reauthentication;
        var step = authenticator.Handle(frame.AsMemory(0, size));
        // connection.failed.authentication.delay.ms holds a failed re-authentication's reply back, as a failed first one.
        if (step.Failed && settings.FailedAuthenticationDelayMs > 0)
            await Task.Delay(TimeSpan.FromMilliseconds(settings.FailedAuthenticationDelayMs), _time, cancellation).ConfigureAwait(false);
        if (step is { Action: SaslStep.Kind.Reply, Response: { } response })
        {
            var header = step.Header!;
            var reply = new PendingResponse(header.CorrelationId, header.RequestApiKey, header.RequestApiVersion, default, false, null);
            await _replies.Writer.WriteAsync(new QueuedReply(reply, response, true, frame, size), cancellation).ConfigureAwait(false);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(frame);
            _budget.Release(size);
        }
        if (step.CloseReason is { } failure)
        {
            _logger.LogWarning("Failed re-authentication with {Remote} on {Listener} ({Reason})", _info.Remote, _info.ListenerName, failure);
            await WrittenAsync(cancellation).ConfigureAwait(false);
            Close(failure);
            return false;
        }
        if (authenticator.IsComplete)
        {
            _reauthentication = null;
            SessionStarted(authenticator, settings);
            _logger.LogDebug("Connection {Id} from {Remote} re-authenticated as {Principal}", _info.Id, _info.Remote, _info.Principal);
        }
        return true;
    }

    /// <summary>Completes once every reply queued so far has been written.</summary>
    private async Task WrittenAsync(CancellationToken cancellation)
    {
        var barrier = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _replies.Writer.WriteAsync(new QueuedReply(default, null, true, [], 0, barrier), cancellation).ConfigureAwait(false);
        await barrier.Task.WaitAsync(cancellation).ConfigureAwait(false);
    }
}
