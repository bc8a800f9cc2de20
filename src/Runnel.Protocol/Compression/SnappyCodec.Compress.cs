using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Compression;

/// <summary>
/// The snappy compressor: a greedy LZ77 over 64 KiB fragments with a hash table of 4-byte sequences, the scheme of
/// the reference implementation, written from the format description.
/// </summary>
internal static partial class SnappyCodec
{
    // Fragments of 64 KiB keep every offset within a 2-byte copy and every table entry within a ushort.
    private const int FragmentSize = 1 << 16;
    private const int MaxTableSize = 1 << 14;
    private const int MinTableSize = 1 << 8;

    // The match search reads 4 bytes ahead and stops this far from the end; the tail goes out as a literal.
    private const int InputMargin = 15;
    private const int MinCompressibleSize = InputMargin + 2;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var header = destination.GetSpan(5);
        destination.Advance(VarInt.WriteUnsigned(header, (uint)source.Length));
        var table = ArrayPool<ushort>.Shared.Rent(MaxTableSize);
        try
        {
            for (var start = 0; start < source.Length; start += FragmentSize)
            {
                var fragment = source.Slice(start, Math.Min(FragmentSize, source.Length - start));
                // The format's worst case for n input bytes: all literals plus their tags.
                var output = destination.GetSpan(32 + fragment.Length + (fragment.Length / 6));
                destination.Advance(CompressFragment(fragment, output, table));
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(table);
        }
    }

    private static int CompressFragment(ReadOnlySpan<byte> src, Span<byte> dst, ushort[] tableArray)
    {
        if (src.Length < MinCompressibleSize)
            return EmitLiteral(dst, src);

        var tableSize = (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((uint)src.Length), MinTableSize, MaxTableSize);
        var shift = 32 - BitOperations.Log2((uint)tableSize);
        var table = tableArray.AsSpan(0, tableSize);
        table.Clear();

        var d = 0;
        var limit = src.Length - InputMargin;
        var nextEmit = 0;
        // Starting at 1 keeps every candidate (table entries start at 0) strictly behind the position searched.
        var s = 1;
        var nextHash = Hash(Load(src, s), shift);
        while (true)
        {
            // Search for a 4-byte match, stepping further apart the longer nothing matches (incompressible input).
            var skip = 32;
            var next = s;
            int candidate;
            do
            {
                s = next;
                var step = skip >> 5;
                next = s + step;
                skip += step;
                if (next > limit)
                    return d + EmitRemainder(src, nextEmit, dst[d..]);
                candidate = table[nextHash];
                table[nextHash] = (ushort)s;
                nextHash = Hash(Load(src, next), shift);
            }
            while (Load(src, s) != Load(src, candidate));

            d += EmitLiteral(dst[d..], src[nextEmit..s]);

            // Emit copies for as long as the position after a match starts another one.
            do
            {
                var matchStart = s;
                s += 4 + src[(s + 4)..].CommonPrefixLength(src[(candidate + 4)..]);
                d += EmitCopy(dst[d..], matchStart - candidate, s - matchStart);
                nextEmit = s;
                if (s >= limit)
                    return d + EmitRemainder(src, nextEmit, dst[d..]);
                table[Hash(Load(src, s - 1), shift)] = (ushort)(s - 1);
                var hash = Hash(Load(src, s), shift);
                candidate = table[hash];
                table[hash] = (ushort)s;
            }
            while (Load(src, s) == Load(src, candidate));

            s++;
            nextHash = Hash(Load(src, s), shift);
        }
    }

    private static uint Load(ReadOnlySpan<byte> src, int at) => BinaryPrimitives.ReadUInt32LittleEndian(src[at..]);

    private static int Hash(uint bytes, int shift) => (int)((bytes * 0x1E35A7BDu) >> shift);

    private static int EmitRemainder(ReadOnlySpan<byte> src, int nextEmit, Span<byte> dst) =>
        nextEmit < src.Length ? EmitLiteral(dst, src[nextEmit..]) : 0;

    private static int EmitLiteral(Span<byte> dst, ReadOnlySpan<byte> literal)
    {
        if (literal.IsEmpty)
            return 0;
        Debug.Assert(literal.Length <= FragmentSize, "fragments bound literals to 64 KiB");
        var n = literal.Length - 1;
        int tagSize;
        if (n < 60)
        {
            dst[0] = (byte)(n << 2);
            tagSize = 1;
        }
        else if (n < 256)
        {
            dst[0] = 60 << 2;
            dst[1] = (byte)n;
            tagSize = 2;
        }
        else
        {
            dst[0] = 61 << 2;
            BinaryPrimitives.WriteUInt16LittleEndian(dst[1..], (ushort)n);
            tagSize = 3;
        }
        literal.CopyTo(dst[tagSize..]);
        return tagSize + literal.Length;
    }

    private static int EmitCopy(Span<byte> dst, int offset, int length)
    {
        var d = 0;
        // Long matches go out 64 bytes at a time; 60 first when needed so the final piece is at least 4 bytes.
        while (length >= 68)
        {
            d += EmitCopy2(dst[d..], offset, 64);
            length -= 64;
        }
        if (length > 64)
        {
            d += EmitCopy2(dst[d..], offset, 60);
            length -= 60;
        }
        if (length >= 12 || offset >= 2048)
            return d + EmitCopy2(dst[d..], offset, length);
        dst[d] = (byte)(((offset >> 8) << 5) | ((length - 4) << 2) | 1);
        dst[d + 1] = (byte)offset;
        return d + 2;
    }

    private static int EmitCopy2(Span<byte> dst, int offset, int length)
    {
        dst[0] = (byte)(((length - 1) << 2) | 2);
        BinaryPrimitives.WriteUInt16LittleEndian(dst[1..], (ushort)offset);
        return 3;
    }
}
