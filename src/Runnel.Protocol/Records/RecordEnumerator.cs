using System.Buffers.Binary;

namespace Runnel.Protocol.Records;

/// <summary>
/// Walks the records of one batch without allocating, checking each record's structure as Kafka's DefaultRecord
/// does: the length fits, key/value/header lengths stay inside the record, the fields end exactly where the length
/// says, and exactly recordCount records fill the records section. On malformed bytes <see cref="MoveNext"/>
/// returns false and <see cref="Error"/> says why; it never throws. Get one from <see cref="RecordBatch.ReadRecords(ReadOnlySpan{byte})"/>.
/// </summary>
public ref struct RecordEnumerator
{
    /// <summary>attributes, timestampDelta, offsetDelta, keyLength, valueLength and headerCount take a byte each at least.</summary>
    internal const int MinRecordBodySize = 6;

    private readonly ReadOnlySpan<byte> _records;
    private readonly long _baseOffset;
    private readonly long _baseTimestamp;
    private readonly long _logAppendTime;
    private readonly bool _isLogAppendTime;
    private readonly int _count;
    private int _position;
    private int _index;
    private RecordView _current;

    /// <param name="header">The batch's first 61 bytes.</param>
    /// <param name="records">The records section, decompressed.</param>
    internal RecordEnumerator(ReadOnlySpan<byte> header, ReadOnlySpan<byte> records)
    {
        this = default;
        _records = records;
        _baseOffset = BinaryPrimitives.ReadInt64BigEndian(header);
        _baseTimestamp = BinaryPrimitives.ReadInt64BigEndian(header[RecordBatchHeader.BaseTimestampOffset..]);
        _logAppendTime = BinaryPrimitives.ReadInt64BigEndian(header[RecordBatchHeader.MaxTimestampOffset..]);
        _isLogAppendTime = (header[RecordBatchHeader.AttributesOffset + 1] & 0x08) != 0;
        _count = BinaryPrimitives.ReadInt32BigEndian(header[RecordBatchHeader.RecordCountOffset..]);
        if (_count < 0)
            Fail(ProblemKind.NegativeCount, _count);
        else if (_count > records.Length / (MinRecordBodySize + 1))
            Fail(ProblemKind.CountBeyondBytes, _count, records.Length);
    }

    internal RecordEnumerator(BatchProblem problem)
    {
        this = default;
        Problem = problem;
    }

    public readonly RecordView Current => _current;

    /// <summary>The index of <see cref="Current"/> within the batch.</summary>
    public readonly int Index => _index - 1;

    /// <summary>The declared recordCount.</summary>
    public readonly int Count => _count;

    /// <summary><see cref="RecordBatchError.None"/> while the records read so far are sound.</summary>
    public readonly RecordBatchError Error => Problem.Error;

    /// <summary>What is wrong, formatted on demand; null while all is well.</summary>
    public readonly string? ErrorMessage => Error == RecordBatchError.None ? null : Problem.Describe();

    internal BatchProblem Problem { get; private set; }

    public readonly RecordEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (Error != RecordBatchError.None)
            return false;
        if (_index >= _count)
        {
            if (_position != _records.Length)
                return Fail(ProblemKind.BytesRemain, _records.Length - _position, _count);
            return false;
        }

        var records = _records;
        var start = _position;
        var p = start;
        if (start >= records.Length)
            return Fail(ProblemKind.RecordsEnd, _count, record: _index);
        if (!RecordVarInt.TryRead(records, ref p, out var length))
            return Fail(ProblemKind.RecordLengthUnreadable, record: _index);
        if (length < MinRecordBodySize || length > records.Length - p)
            return Fail(ProblemKind.RecordLengthDoesNotFit, length, records.Length - p, _index);

        var body = records.Slice(p, length);
        var q = 1;
        if (!RecordVarInt.TryReadLong(body, ref q, out var timestampDelta) || !RecordVarInt.TryRead(body, ref q, out var offsetDelta))
            return Fail(ProblemKind.DeltasUnreadable, record: _index);
        if (!RecordVarInt.TryReadLength(body, ref q, out var keyLength))
            return Fail(ProblemKind.KeyLength, record: _index);
        var key = keyLength > 0 ? body.Slice(q, keyLength) : default;
        q += Math.Max(keyLength, 0);
        if (!RecordVarInt.TryReadLength(body, ref q, out var valueLength))
            return Fail(ProblemKind.ValueLength, record: _index);
        var value = valueLength > 0 ? body.Slice(q, valueLength) : default;
        q += Math.Max(valueLength, 0);
        if (!RecordVarInt.TryRead(body, ref q, out var headerCount) || headerCount < 0 || headerCount > (body.Length - q) / 2)
            return Fail(ProblemKind.HeaderCount, headerCount, body.Length - q, _index);
        var headersStart = q;
        for (var i = 0; i < headerCount; i++)
        {
            if (!RecordVarInt.TryReadLength(body, ref q, out var headerKeyLength) || headerKeyLength < 0)
                return Fail(ProblemKind.HeaderKey, i, record: _index);
            q += headerKeyLength;
            if (!RecordVarInt.TryReadLength(body, ref q, out var headerValueLength))
                return Fail(ProblemKind.HeaderValue, i, record: _index);
            q += Math.Max(headerValueLength, 0);
        }
        if (q != body.Length)
            return Fail(ProblemKind.FieldsMismatch, q, body.Length, _index);

        _current = new RecordView(
            _baseOffset + offsetDelta,
            offsetDelta,
            _isLogAppendTime ? _logAppendTime : _baseTimestamp + timestampDelta,
            timestampDelta,
            body[0],
            key,
            keyLength < 0,
            value,
            valueLength < 0,
            body[headersStart..],
            headerCount,
            p - start + length);
        _position = p + length;
        _index++;
        return true;
    }

    private bool Fail(ProblemKind kind, long a = 0, long b = 0, int record = -1)
    {
        Problem = new BatchProblem(RecordBatchError.InvalidRecord, kind, a, b, Record: record);
        return false;
    }
}
