namespace Runnel.Protocol.Records;

/// <summary>
/// One record of a batch, read in place: key, value and headers are slices of the batch (or of its decompressed
/// records), so they live only as long as that buffer. A null key or value is distinct from an empty one.
/// </summary>
public readonly ref struct RecordView
{
    private readonly ReadOnlySpan<byte> _records;
    private readonly RecordFields _fields;

    internal RecordView(ReadOnlySpan<byte> records, scoped in RecordFields fields, long baseOffset, long timestamp)
    {
        _records = records;
        _fields = fields;
        Offset = baseOffset + fields.OffsetDelta;
        Timestamp = timestamp;
    }

    /// <summary>The batch's baseOffset plus <see cref="OffsetDelta"/>.</summary>
    public long Offset { get; }

    public int OffsetDelta => _fields.OffsetDelta;

    /// <summary>baseTimestamp + delta for CreateTime; the batch's maxTimestamp for LogAppendTime.</summary>
    public long Timestamp { get; }

    public long TimestampDelta => _fields.TimestampDelta;

    /// <summary>The record's attribute byte; Kafka defines no bits in it yet.</summary>
    public byte Attributes => (uint)_fields.BodyStart < (uint)_records.Length ? _records[_fields.BodyStart] : (byte)0;

    /// <summary>Empty when <see cref="IsKeyNull"/>.</summary>
    public ReadOnlySpan<byte> Key => _fields.KeyLength > 0 ? _records.Slice(_fields.KeyStart, _fields.KeyLength) : default;

    public bool IsKeyNull => _fields.KeyLength < 0;

    /// <summary>Empty when <see cref="IsValueNull"/> (a tombstone on a compacted topic).</summary>
    public ReadOnlySpan<byte> Value => _fields.ValueLength > 0 ? _records.Slice(_fields.ValueStart, _fields.ValueLength) : default;

    public bool IsValueNull => _fields.ValueLength < 0;

    public int HeaderCount => _fields.HeaderCount;

    /// <summary>The record's bytes in the batch: the length varint plus the body.</summary>
    public int SizeInBytes => _fields.End - _fields.Start;

    /// <summary>The headers in wire order, read lazily; <c>foreach (var h in record.Headers)</c> allocates nothing.</summary>
    public HeaderEnumerator Headers => new(_records[_fields.HeadersStart.._fields.End], _fields.HeaderCount);
}

/// <summary>One record header: a UTF-8 key (never null) and a value that may be null.</summary>
public readonly ref struct HeaderView
{
    internal HeaderView(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isValueNull)
    {
        Key = key;
        Value = value;
        IsValueNull = isValueNull;
    }

    public ReadOnlySpan<byte> Key { get; }

    public ReadOnlySpan<byte> Value { get; }

    public bool IsValueNull { get; }
}

/// <summary>
/// Walks the headers of a record that <see cref="RecordEnumerator"/> already checked, so it cannot meet malformed
/// bytes; it still stops rather than throws if it ever does.
/// </summary>
public ref struct HeaderEnumerator
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly int _count;
    private int _position;
    private int _index;
    private HeaderView _current;

    internal HeaderEnumerator(ReadOnlySpan<byte> bytes, int count)
    {
        _bytes = bytes;
        _count = count;
        _position = 0;
        _index = 0;
        _current = default;
    }

    public readonly HeaderView Current => _current;

    public readonly HeaderEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_index >= _count)
            return false;
        var p = RecordParser.ReadLength(_bytes, _position, _bytes.Length, out var keyLength);
        if (p < 0 || keyLength < 0)
            return Stop();
        var key = _bytes.Slice(p, keyLength);
        p = RecordParser.ReadLength(_bytes, p + keyLength, _bytes.Length, out var valueLength);
        if (p < 0)
            return Stop();
        var value = valueLength < 0 ? default : _bytes.Slice(p, valueLength);
        p += Math.Max(valueLength, 0);
        _current = new HeaderView(key, value, valueLength < 0);
        _position = p;
        _index++;
        return true;
    }

    private bool Stop()
    {
        _index = _count;
        return false;
    }
}
