using System.Security.Cryptography;

namespace Runnel.Net.Security;

/// <summary>
/// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) with Kafka's iteration floor of 4096: the hash functions both
/// sides of an exchange use (the broker's server, <see cref="ScramClient"/> and the admin tools that make credentials).
/// </summary>
public sealed class ScramMechanism
{
    public static readonly ScramMechanism Sha256 = new("SCRAM-SHA-256", HashAlgorithmName.SHA256, 32);
    public static readonly ScramMechanism Sha512 = new("SCRAM-SHA-512", HashAlgorithmName.SHA512, 64);

    public const int MinIterations = 4096;

    private ScramMechanism(string name, HashAlgorithmName hash, int hashSize)
    {
        Name = name;
        Hash = hash;
        HashSize = hashSize;
    }

    public string Name { get; }

    public HashAlgorithmName Hash { get; }

    public int HashSize { get; }

    public static IReadOnlyList<ScramMechanism> All { get; } = [Sha256, Sha512];

    public static ScramMechanism? Find(string name) => All.FirstOrDefault(m => m.Name == name);

    public byte[] Hmac(byte[] key, byte[] data) => Hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);

    public byte[] Digest(byte[] data) => Hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data) : SHA512.HashData(data);

    /// <summary>Hi(password, salt, i) of RFC 5802: PBKDF2 with HMAC of this hash. Kafka uses the UTF-8 password as is (no SASLprep).</summary>
    public byte[] SaltedPassword(string password, byte[] salt, int iterations)
        => Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(password), salt, iterations, Hash, HashSize);
}

/// <summary>What the server keeps of a SCRAM password (RFC 5802 section 3): salt, StoredKey, ServerKey, iterations.</summary>
public sealed record ScramCredential(byte[] Salt, byte[] StoredKey, byte[] ServerKey, int Iterations)
{
    public static ScramCredential FromPassword(ScramMechanism mechanism, string password, byte[] salt, int iterations)
    {
        var salted = mechanism.SaltedPassword(password, salt, iterations);
        var clientKey = mechanism.Hmac(salted, "Client Key"u8.ToArray());
        var serverKey = mechanism.Hmac(salted, "Server Key"u8.ToArray());
        return new ScramCredential(salt, mechanism.Digest(clientKey), serverKey, iterations);
    }

    /// <summary>A credential with a fresh random salt (as Kafka's tools make one).</summary>
    public static ScramCredential Create(ScramMechanism mechanism, string password, int iterations = ScramMechanism.MinIterations)
        => FromPassword(mechanism, password, RandomNumberGenerator.GetBytes(32), iterations);
}
