using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Security;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Transport;

/// <summary>
/// What happens before the first request is served: the TLS handshake on SSL and SASL_SSL listeners (the principal
/// becomes the client certificate's name), then on SASL listeners the SASL exchange, read frame by frame with
/// frames capped at sasl.server.max.receive.size. A failure is logged (never a password) and closes the connection.
/// </summary>
internal sealed partial class ClientConnection
{
    private readonly TimeProvider _time;

    /// <summary>True when the connection may serve requests; false when it must close.</summary>
    private async Task<bool> SecureAsync()
    {
        if (_security.Tls is { } tls)
        {
            var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
            _stream = ssl;
            try
            {
                await ssl.AuthenticateAsServerAsync(tls.ServerOptions(), _closing.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                _logger.LogWarning("Failed authentication with {Remote} on {Listener} (SSL handshake failed: {Reason})",
                    _info.Remote, _info.ListenerName, e.InnerException?.Message ?? e.Message);
                return false;
            }
            if (ssl.RemoteCertificate is { } certificate)
            {
                using var client = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                var subject = KafkaPrincipals.Rfc2253(client.SubjectName);
                if (_security.PrincipalMapper.Name(subject) is not { } name)
                {
                    _logger.LogWarning("Failed authentication with {Remote} on {Listener} (no ssl.principal.mapping.rules rule applies to {Subject})",
                        _info.Remote, _info.ListenerName, subject);
                    return false;
                }
                _info.Principal = KafkaPrincipals.User(name);
            }
            Touch();
        }
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        return _security.Sasl is not { } sasl || await AuthenticateSaslAsync(sasl).ConfigureAwait(false);
    }

    private async Task<bool> AuthenticateSaslAsync(SaslSettings settings)
    {
        var authenticator = new SaslServerAuthenticator(settings, _security.StoredScram);
        var maxFrame = Math.Min(settings.MaxReceiveSize, _maxFrameBytes);
        using var encoder = new KafkaWriter(4096);
        while (!authenticator.IsComplete)
        {
            var frame = await ReadFrameAsync(maxFrame).ConfigureAwait(false);
            if (frame is null)
                return false;
            var step = authenticator.Handle(frame);
            // Known before the client hears it succeeded, so whatever it sends next is served as this principal.
            if (authenticator.IsComplete)
                _info.Principal = authenticator.Principal!;
            encoder.Reset();
            switch (step.Action)
            {
                case SaslStep.Kind.Dispatch:
                    var pending = _pipeline.Dispatch(frame, _info, _closing.Token);
                    if (pending.CloseReason is not null)
                    {
                        Close(pending.CloseReason);
                        return false;
                    }
                    try
                    {
                        var body = await pending.Body.ConfigureAwait(false);
                        if (body is not null)
                            Framing.WriteResponse(encoder, pending.CorrelationId, pending.ApiKey, pending.ApiVersion, body);
                    }
                    finally
                    {
                        pending.Context?.ReleaseResources();
                    }
                    break;
                case SaslStep.Kind.Reply:
                    var header = step.Header!;
                    Framing.WriteResponse(encoder, header.CorrelationId, header.RequestApiKey, header.RequestApiVersion, step.Response!);
                    break;
                case SaslStep.Kind.RawReply:
                    encoder.WriteInt32(step.RawToken!.Length);
                    encoder.WriteRaw(step.RawToken);
                    break;
            }
            if (step.Failed)
            {
                _logger.LogWarning("Failed authentication with {Remote} on {Listener} ({Reason})", _info.Remote, _info.ListenerName, step.CloseReason);
                // Kafka's connection.failed.authentication.delay.ms: a client that guesses passwords is slowed down.
                if (settings.FailedAuthenticationDelayMs > 0)
                    await Task.Delay(TimeSpan.FromMilliseconds(settings.FailedAuthenticationDelayMs), _time, _closing.Token).ConfigureAwait(false);
            }
            if (encoder.WrittenMemory.Length > 0)
                await _stream.WriteAsync(encoder.WrittenMemory, _closing.Token).ConfigureAwait(false);
            Touch();
            if (step.CloseReason is not null)
            {
                Close(step.CloseReason);
                return false;
            }
        }
        _logger.LogDebug("Connection {Id} from {Remote} authenticated as {Principal} with {Mechanism}", _info.Id, _info.Remote, _info.Principal,
            authenticator.Mechanism);
        SessionStarted(authenticator, settings);
        return true;
    }

    /// <summary>The next whole frame (without its size), or null when the connection ended or the frame is too large.</summary>
    private async Task<byte[]?> ReadFrameAsync(int maxFrameBytes)
    {
        var input = _input!;
        while (true)
        {
            var result = await input.ReadAsync(_closing.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            Touch();
            if (!TryReadFrameSize(buffer, maxFrameBytes, "sasl.server.max.receive.size", out var size, out var closeReason))
            {
                if (closeReason is not null)
                {
                    Close($"before authentication: {closeReason}");
                    return null;
                }
            }
            else if (buffer.Length >= 4L + size)
            {
                var frame = buffer.Slice(4, size).ToArray();
                input.AdvanceTo(buffer.GetPosition(4L + size));
                return frame;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
                return null;
        }
    }
}
