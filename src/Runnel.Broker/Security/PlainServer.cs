using System.Security.Cryptography;
using System.Text;

namespace Runnel.Broker.Security;

/// <summary>
/// SASL/PLAIN (RFC 4616) as Kafka's PlainSaslServer: one message <c>[authzid] NUL user NUL password</c>, checked
/// against the user_&lt;name&gt; entries of the listener's PlainLoginModule config in constant time. An authzid other
/// than the user is refused.
/// </summary>
internal sealed class PlainServer(IReadOnlyDictionary<string, string> users) : ISaslMechanismServer
{
    private string? _username;

    public string Mechanism => "PLAIN";

    public bool IsComplete => _username is not null;

    public string? Username => _username;

    public byte[] EvaluateResponse(ReadOnlySpan<byte> response)
    {
        if (IsComplete)
            throw new SaslAuthenticationException("Unexpected SASL token after PLAIN authentication completed");
        var tokens = Encoding.UTF8.GetString(response).Split('\0');
        if (tokens.Length != 3)
            throw new SaslAuthenticationException($"Invalid SASL/PLAIN response: expected 3 tokens, got {tokens.Length}");
        var (authzid, username, password) = (tokens[0], tokens[1], tokens[2]);
        if (username.Length == 0)
            throw new SaslAuthenticationException("Authentication failed: username not specified");
        if (password.Length == 0)
            throw new SaslAuthenticationException("Authentication failed: password not specified");
        var expected = users.GetValueOrDefault(username);
        // Compared even for an unknown user, so the time taken does not tell whether the user exists.
        var matches = CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(password)), SHA256.HashData(Encoding.UTF8.GetBytes(expected ?? "")));
        if (expected is null || !matches)
            throw new SaslAuthenticationException("Authentication failed: Invalid username or password");
        if (authzid.Length > 0 && authzid != username)
            throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id that is different from username");
        _username = username;
        return [];
    }
}
