using System.Security.Cryptography;
using System.Text;

namespace Runnel.Net.Security;

/// <summary>A SASL mechanism's client side: the tokens it sends, each computed from the server's previous one.</summary>
public interface ISaslClient
{
    string Mechanism { get; }

    /// <summary>The next token to send, given the server's last one (empty before the first); null when done.</summary>
    byte[]? Next(ReadOnlySpan<byte> challenge);

    /// <summary>True once the server's final token has been checked (PLAIN: once the token is sent).</summary>
    bool IsComplete { get; }
}

/// <summary>The user and password a client authenticates with, and the mechanism it uses.</summary>
public sealed record SaslCredentials(string Mechanism, string Username, string Password)
{
    /// <summary>The mechanisms this side can speak.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

    /// <summary>A fresh client for one exchange; null for a mechanism not in <see cref="Supported"/>.</summary>
    public ISaslClient? CreateClient() => Mechanism switch
    {
        "PLAIN" => new PlainClient(Username, Password),
        _ when ScramMechanism.Find(Mechanism) is { } scram => new ScramClient(scram, Username, Password),
        _ => null,
    };

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{Mechanism} as {Username}";
}

/// <summary>RFC 4616: one token, <c>authzid NUL authcid NUL password</c>, with an empty authzid as Kafka's client sends.</summary>
internal sealed class PlainClient(string username, string password) : ISaslClient
{
    private bool _sent;

    public string Mechanism => "PLAIN";

    public bool IsComplete => _sent;

    public byte[]? Next(ReadOnlySpan<byte> challenge)
    {
        if (_sent)
            return null;
        _sent = true;
        return Encoding.UTF8.GetBytes($"\0{username}\0{password}");
    }
}

/// <summary>
/// RFC 5802's client, as Kafka's ScramSaslClient: <c>n,,n=user,r=cnonce</c>; the server's first message must extend
/// our nonce and ask for at least 4096 iterations; <c>c=biws,r=nonce,p=proof</c>; and the server's signature in its
/// final message must match (compared in constant time), which proves the server knows the credential.
/// </summary>
public sealed class ScramClient(ScramMechanism mechanism, string username, string password, string? clientNonce = null) : ISaslClient
{
    private enum State { First, Final, Verify, Complete }

    private readonly string _clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
    private State _state = State.First;
    private string _clientFirstBare = "";
    private byte[] _expectedServerSignature = [];

    public string Mechanism => mechanism.Name;

    public bool IsComplete => _state == State.Complete;

    public byte[]? Next(ReadOnlySpan<byte> challenge)
    {
        switch (_state)
        {
            case State.First:
                _clientFirstBare = $"n={username.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},r={_clientNonce}";
                _state = State.Final;
                return Encoding.UTF8.GetBytes("n,," + _clientFirstBare);
            case State.Final:
                _state = State.Verify;
                return ClientFinal(Encoding.UTF8.GetString(challenge));
            case State.Verify:
                Verify(Encoding.UTF8.GetString(challenge));
                _state = State.Complete;
                return null;
            default:
                return null;
        }
    }

    private byte[] ClientFinal(string serverFirst)
    {
        var attributes = Attributes(serverFirst);
        if (attributes.TryGetValue('e', out var error))
            throw new SaslClientException($"The server refused SCRAM: {error}");
        if (!attributes.TryGetValue('r', out var nonce) || !attributes.TryGetValue('s', out var salt64) || !attributes.TryGetValue('i', out var iterationsText))
            throw new SaslClientException("Invalid SCRAM server first message");
        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
            throw new SaslClientException("Invalid server nonce: does not start with the client nonce");
        if (!int.TryParse(iterationsText, out var iterations) || iterations < ScramMechanism.MinIterations)
            throw new SaslClientException($"Requested iterations {iterationsText} is less than the minimum {ScramMechanism.MinIterations} for {mechanism.Name}");
        byte[] salt;
        try
        {
            salt = Convert.FromBase64String(salt64);
        }
        catch (FormatException)
        {
            throw new SaslClientException("Invalid SCRAM server first message: the salt is not base64");
        }
        var salted = mechanism.SaltedPassword(password, salt, iterations);
        var clientKey = mechanism.Hmac(salted, "Client Key"u8.ToArray());
        var storedKey = mechanism.Digest(clientKey);
        var withoutProof = $"c=biws,r={nonce}";
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{serverFirst},{withoutProof}");
        var signature = mechanism.Hmac(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++)
            proof[i] = (byte)(clientKey[i] ^ signature[i]);
        _expectedServerSignature = mechanism.Hmac(mechanism.Hmac(salted, "Server Key"u8.ToArray()), authMessage);
        return Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}");
    }

    private void Verify(string serverFinal)
    {
        var attributes = Attributes(serverFinal);
        if (attributes.TryGetValue('e', out var error))
            throw new SaslClientException($"The server refused SCRAM: {error}");
        byte[] signature;
        try
        {
            signature = attributes.TryGetValue('v', out var v) ? Convert.FromBase64String(v) : [];
        }
        catch (FormatException)
        {
            signature = [];
        }
        if (!CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature))
            throw new SaslClientException("Invalid server signature in the SCRAM server final message");
    }

    private static Dictionary<char, string> Attributes(string message)
    {
        var attributes = new Dictionary<char, string>();
        foreach (var part in message.Split(','))
        {
            if (part.Length >= 2 && part[1] == '=')
                attributes.TryAdd(part[0], part[2..]);
        }
        return attributes;
    }
}

/// <summary>The client side of a SASL exchange failed: the server's answer was malformed or unproven.</summary>
public sealed class SaslClientException(string message) : Exception(message);
