using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Tests.Primitives;

public sealed class PrimitiveTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(63)]
    [InlineData(-64)]
    [InlineData(300)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void Zigzag_varint_round_trips(int value)
    {
        using var writer = new KafkaWriter();
        writer.WriteVarInt(value);
        Assert.Equal(VarInt.SizeOfSigned(value), writer.Length);
        var reader = new KafkaReader(writer.WrittenMemory);
        Assert.Equal(value, reader.ReadVarInt());
        Assert.False(reader.Failed);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    [InlineData(1_700_000_000_000L)]
    public void Zigzag_varlong_round_trips(long value)
    {
        using var writer = new KafkaWriter();
        writer.WriteVarLong(value);
        var reader = new KafkaReader(writer.WrittenMemory);
        Assert.Equal(value, reader.ReadVarLong());
        Assert.False(reader.Failed);
    }

    [Fact]
    public void Zigzag_matches_the_specification_examples()
    {
        // From the protobuf/Kafka definition: 0->0, -1->1, 1->2, -2->3.
        Assert.Equal(0u, VarInt.ZigZag(0));
        Assert.Equal(1u, VarInt.ZigZag(-1));
        Assert.Equal(2u, VarInt.ZigZag(1));
        Assert.Equal(3u, VarInt.ZigZag(-2));
    }

    [Fact]
    public void Unsigned_varint_longer_than_five_bytes_fails()
    {
        var reader = new KafkaReader(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 });
        reader.ReadUnsignedVarInt();
        Assert.True(reader.Failed);
    }

    [Fact]
    public void Compact_and_classic_strings_round_trip_including_null()
    {
        using var writer = new KafkaWriter();
        writer.WriteString("héllo", compact: false, nullable: false);
        writer.WriteString(null, compact: false, nullable: true);
        writer.WriteString("x", compact: true, nullable: false);
        writer.WriteString(null, compact: true, nullable: true);
        var reader = new KafkaReader(writer.WrittenMemory);
        Assert.Equal("héllo", reader.ReadString(false, false));
        Assert.Null(reader.ReadString(false, true));
        Assert.Equal("x", reader.ReadString(true, false));
        Assert.Null(reader.ReadString(true, true));
        Assert.Equal(0, reader.Remaining);
        Assert.False(reader.Failed);
    }

    [Fact]
    public void Null_string_where_not_nullable_fails()
    {
        var reader = new KafkaReader(new byte[] { 0xFF, 0xFF });
        reader.ReadString(compact: false, nullable: false);
        Assert.True(reader.Failed);
    }

    [Fact]
    public void Declared_length_beyond_the_frame_fails_without_allocating()
    {
        // int32 bytes length of 2^30 with 3 bytes behind it.
        var reader = new KafkaReader(new byte[] { 0x40, 0, 0, 0, 1, 2, 3 });
        var before = GC.GetAllocatedBytesForCurrentThread();
        var value = reader.ReadBytes(compact: false, nullable: false);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(reader.Failed);
        Assert.NotNull(value);
        Assert.Empty(value);
        Assert.True(allocated < 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Array_count_larger_than_the_remaining_bytes_fails()
    {
        var reader = new KafkaReader(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1 });
        Assert.Equal(0, reader.ReadArrayLength(compact: false, nullable: false, minElementSize: 4));
        Assert.True(reader.Failed);
    }

    [Fact]
    public void Failure_is_sticky_and_later_reads_return_defaults()
    {
        var reader = new KafkaReader(new byte[] { 1 });
        Assert.Equal(0, reader.ReadInt32());
        Assert.True(reader.Failed);
        Assert.Equal(0L, reader.ReadInt64());
        Assert.Contains("needed 4 bytes", reader.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Uuid_is_big_endian_on_the_wire()
    {
        var bytes = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var reader = new KafkaReader(bytes);
        var uuid = reader.ReadUuid();
        using var writer = new KafkaWriter();
        writer.WriteUuid(uuid);
        Assert.Equal(bytes, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Size_prefix_insertion_moves_the_value()
    {
        using var writer = new KafkaWriter(64);
        writer.WriteInt8(7);
        var start = writer.Length;
        for (var i = 0; i < 200; i++)
            writer.WriteInt8((sbyte)i);
        writer.InsertSizePrefix(start);
        var reader = new KafkaReader(writer.WrittenMemory);
        Assert.Equal(7, reader.ReadInt8());
        Assert.Equal(200u, reader.ReadUnsignedVarInt());
        Assert.Equal(0, reader.ReadInt8());
        Assert.Equal(199, reader.Remaining);
    }
}
