namespace Runnel.Broker.Security;

/// <summary>
/// The server side of one SASL exchange: each client token in, the next server token out, until complete.
/// A failure throws <see cref="SaslAuthenticationException"/>, whose message is sent to the client.
/// </summary>
internal interface ISaslMechanismServer
{
    string Mechanism { get; }

    bool IsComplete { get; }

    /// <summary>The authenticated user, once <see cref="IsComplete"/>.</summary>
    string? Username { get; }

    byte[] EvaluateResponse(ReadOnlySpan<byte> response);
}

/// <summary>A failed SASL authentication; the message goes to the client (it never holds a password).</summary>
internal sealed class SaslAuthenticationException(string message) : Exception(message);
