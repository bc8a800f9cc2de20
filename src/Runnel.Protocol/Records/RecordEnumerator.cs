using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Runnel.Protocol.Records;

/// <summary>
/// Walks the records of one batch without allocating, checking each record's structure as Kafka's DefaultRecord
/// does: the length fits, key/value/header lengths stay inside the record, the fields end exactly where the length
/// says, and exactly recordCount records fill the records section. On malformed bytes <see cref="MoveNext"/>
/// returns false and <see cref="Error"/> says why; it never throws. Get one from <see cref="RecordBatch.ReadRecords(ReadOnlySpan{byte})"/>.
/// </summary>
public ref struct RecordEnumerator
{
    private readonly ReadOnlySpan<byte> _records;
    private readonly long _baseOffset;
    private readonly long _baseTimestamp;
    private readonly long _logAppendTime;
    private readonly bool _isLogAppendTime;
    private readonly int _count;
    private int _index;
    private RecordFields _fields;

    /// <param name="header">The batch's first 61 bytes.</param>
    /// <param name="records">The records section, decompressed.</param>
    internal RecordEnumerator(ReadOnlySpan<byte> header, ReadOnlySpan<byte> records)
    {
        this = default;
        _records = records;
        _baseOffset = BinaryPrimitives.ReadInt64BigEndian(header);
        _baseTimestamp = BinaryPrimitives.ReadInt64BigEndian(header[RecordBatchHeader.BaseTimestampOffset..]);
        _logAppendTime = BinaryPrimitives.ReadInt64BigEndian(header[RecordBatchHeader.MaxTimestampOffset..]);
        _isLogAppendTime = (header[RecordBatchHeader.AttributesOffset + 1] & RecordBatch.TimestampTypeMask) != 0;
        _count = BinaryPrimitives.ReadInt32BigEndian(header[RecordBatchHeader.RecordCountOffset..]);
        if (_count < 0)
            Fail(ProblemKind.NegativeCount, _count);
        else if (_count > records.Length / (RecordParser.MinBodySize + 1))
            Fail(ProblemKind.CountBeyondBytes, _count, records.Length);
    }

    internal RecordEnumerator(BatchProblem problem)
    {
        this = default;
        Problem = problem;
    }

    public readonly RecordView Current => new(_records, _fields, _baseOffset, Timestamp);

    /// <summary>The index of <see cref="Current"/> within the batch.</summary>
    public readonly int Index => _index - 1;

    /// <summary>The declared recordCount.</summary>
    public readonly int Count => _count;

    /// <summary><see cref="RecordBatchError.None"/> while the records read so far are sound.</summary>
    public readonly RecordBatchError Error => Problem.Error;

    /// <summary>What is wrong, formatted on demand; null while all is well.</summary>
    public readonly string? ErrorMessage => Error == RecordBatchError.None ? null : Problem.Describe();

    internal BatchProblem Problem { get; private set; }

    /// <summary>The current record's positions, for the validator, which needs no view.</summary>
    [UnscopedRef]
    internal readonly ref readonly RecordFields Fields => ref _fields;

    /// <summary>The current record's timestamp: baseTimestamp + delta, or the batch's append time.</summary>
    internal readonly long Timestamp => _isLogAppendTime ? _logAppendTime : _baseTimestamp + _fields.TimestampDelta;

    public readonly RecordEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_index >= _count || Problem.Error != RecordBatchError.None)
        {
            if (Problem.Error == RecordBatchError.None && _fields.End != _records.Length)
                Fail(ProblemKind.BytesRemain, _records.Length - _fields.End, _count);
            return false;
        }
        var start = _fields.End;
        if (start >= _records.Length)
            return Fail(ProblemKind.RecordsEnd, _count, record: _index);
        var problem = RecordParser.Parse(_records, start, out _fields);
        if (problem != ProblemKind.None)
            return Fail(problem, _fields.DetailA, _fields.DetailB, _index);
        _index++;
        return true;
    }

    private bool Fail(ProblemKind kind, long a = 0, long b = 0, int record = -1)
    {
        Problem = new BatchProblem(RecordBatchError.InvalidRecord, kind, a, b, Record: record);
        _fields.End = _records.Length; // nothing more to report about leftover bytes
        return false;
    }
}
