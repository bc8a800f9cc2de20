using System.Security.Cryptography;
using System.Text;
using Runnel.Net.Security;

namespace Runnel.Broker.Security;

/// <summary>
/// The server side of a SCRAM exchange (RFC 5802), following Kafka's ScramSaslServer: client-first
/// (<c>n,[a=authzid],n=user,r=cnonce[,ext]</c>, only the "n" GS2 flag, no channel binding) is answered with
/// <c>r=cnonce+snonce,s=salt,i=iterations</c>; client-final (<c>c=biws,r=nonce,p=proof</c>) must end its nonce with that one and
/// carry a proof whose StoredKey matches (compared in constant time), and is answered with <c>v=ServerSignature</c>.
/// An unknown user and a wrong proof fail with the same message.
/// </summary>
internal sealed class ScramServer(ScramMechanism mechanism, Func<string, ScramCredential?> credentials, Func<string>? serverNonce = null)
    : ISaslMechanismServer
{
    private enum State { ClientFirst, ClientFinal, Complete, Failed }

    private State _state = State.ClientFirst;
    private ScramCredential? _credential;
    private string _clientFirstBare = "";
    private string _serverFirst = "";
    private string _gs2Header = "";
    private string _nonce = "";
    private string? _username;

    public string Mechanism => mechanism.Name;

    public bool IsComplete => _state == State.Complete;

    public string? Username => IsComplete ? _username : null;

    private string InvalidCredentials => $"Authentication failed during authentication due to invalid credentials with SASL mechanism {mechanism.Name}";

    public byte[] EvaluateResponse(ReadOnlySpan<byte> response)
    {
        try
        {
            return _state switch
            {
                State.ClientFirst => ClientFirst(Encoding.UTF8.GetString(response)),
                State.ClientFinal => ClientFinal(Encoding.UTF8.GetString(response)),
                _ => throw new SaslAuthenticationException($"Unexpected SASL token in state {_state}"),
            };
        }
        catch
        {
            _state = State.Failed;
            _credential = null;
            throw;
        }
    }

    private byte[] ClientFirst(string message)
    {
        // gs2-header: "n," [ "a=" authzid ] ","
        if (!message.StartsWith("n,", StringComparison.Ordinal))
            throw new SaslAuthenticationException("Invalid SCRAM client first message format");
        var second = message.IndexOf(',', 2);
        if (second < 0)
            throw new SaslAuthenticationException("Invalid SCRAM client first message format");
        var authzid = message[2..second];
        if (authzid.Length > 0 && !authzid.StartsWith("a=", StringComparison.Ordinal))
            throw new SaslAuthenticationException("Invalid SCRAM client first message format");
        _gs2Header = message[..(second + 1)];
        _clientFirstBare = message[(second + 1)..];
        var attributes = _clientFirstBare.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("n=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal)
            || attributes[1].Length == 2)
            throw new SaslAuthenticationException("Invalid SCRAM client first message format");
        foreach (var extension in attributes.Skip(2))
        {
            // Kafka knows one extension, tokenauth (delegation tokens), which Runnel does not serve.
            var name = extension.Split('=', 2)[0];
            if (name != "tokenauth")
                throw new SaslAuthenticationException("Unsupported extensions will not be processed, supported extensions: [tokenauth]");
            if (extension.Equals("tokenauth=true", StringComparison.OrdinalIgnoreCase))
                throw new SaslAuthenticationException(InvalidCredentials);
        }
        var username = DecodeSaslName(attributes[0][2..]);
        if (authzid.Length > 0 && DecodeSaslName(authzid[2..]) != username)
            throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id that is different from username");
        _credential = credentials(username) ?? throw new SaslAuthenticationException(InvalidCredentials);
        if (_credential.Iterations < ScramMechanism.MinIterations)
            throw new SaslAuthenticationException(InvalidCredentials);
        _username = username;
        _nonce = attributes[1][2..] + (serverNonce?.Invoke() ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)));
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_credential.Salt)},i={_credential.Iterations}";
        _state = State.ClientFinal;
        return Encoding.UTF8.GetBytes(_serverFirst);
    }

    private byte[] ClientFinal(string message)
    {
        var proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0 || !message.StartsWith("c=", StringComparison.Ordinal))
            throw new SaslAuthenticationException("Invalid SCRAM client final message format");
        var withoutProof = message[..proofAt];
        var attributes = withoutProof.Split(',');
        if (attributes.Length < 2 || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
            throw new SaslAuthenticationException("Invalid SCRAM client final message format");
        if (attributes[0][2..] != Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header)))
            throw new SaslAuthenticationException(InvalidCredentials);
        // Kafka checks that the nonce ends with the server-first one, not that it equals it: librdkafka sends its
        // client nonce again in front of it.
        if (!attributes[1][2..].EndsWith(_nonce, StringComparison.Ordinal))
            throw new SaslAuthenticationException("Invalid client nonce in the final client message.");
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(message[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            throw new SaslAuthenticationException("Invalid SCRAM client final message format");
        }
        var credential = _credential!;
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var clientSignature = mechanism.Hmac(credential.StoredKey, authMessage);
        if (proof.Length != clientSignature.Length)
            throw new SaslAuthenticationException(InvalidCredentials);
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++)
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        if (!CryptographicOperations.FixedTimeEquals(mechanism.Digest(clientKey), credential.StoredKey))
            throw new SaslAuthenticationException(InvalidCredentials);
        var serverSignature = mechanism.Hmac(credential.ServerKey, authMessage);
        _credential = null;
        _state = State.Complete;
        return Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(serverSignature));
    }

    /// <summary>RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' is invalid.</summary>
    private static string DecodeSaslName(string saslName)
    {
        var decoded = new StringBuilder(saslName.Length);
        for (var i = 0; i < saslName.Length; i++)
        {
            if (saslName[i] != '=')
            {
                decoded.Append(saslName[i]);
                continue;
            }
            var escape = i + 2 < saslName.Length ? saslName.Substring(i + 1, 2) : "";
            decoded.Append(escape switch
            {
                "2C" => ',',
                "3D" => '=',
                _ => throw new SaslAuthenticationException("Invalid SCRAM client first message format"),
            });
            i += 2;
        }
        return decoded.ToString();
    }
}
