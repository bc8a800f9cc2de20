using System.Security.Cryptography;

namespace Runnel.Storage.Compaction;

/// <summary>
/// The latest offset of each key in the range being cleaned, keyed by a 128-bit digest of the key as Kafka's
/// SkimpyOffsetMap is (16 bytes a key instead of the key itself; a collision, about 2^-64 likely at a billion keys,
/// would drop an older value of another key, the risk Kafka accepts with MD5).
/// </summary>
internal sealed class KeyOffsetMap
{
    private readonly Dictionary<UInt128, long> _latest = [];

    public int Count => _latest.Count;

    public void Put(ReadOnlySpan<byte> key, long offset) => _latest[Digest(key)] = offset;

    /// <summary>The latest offset recorded for the key, or -1.</summary>
    public long Get(ReadOnlySpan<byte> key) => _latest.TryGetValue(Digest(key), out var offset) ? offset : -1;

    private static UInt128 Digest(ReadOnlySpan<byte> key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key, hash);
        return new UInt128(BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]));
    }
}
