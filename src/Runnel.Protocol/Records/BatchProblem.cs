using System.Globalization;

namespace Runnel.Protocol.Records;

/// <summary>Which sentence describes a failure; the numbers go in <see cref="BatchProblem"/>.</summary>
internal enum ProblemKind : byte
{
    None,
    Empty,
    UnexpectedBytes,
    ShortForLength,
    NegativeLength,
    ShortForMagic,
    ShortForHeader,
    LegacyMagic,
    UnknownMagic,
    LengthBelowHeader,
    TooLarge,
    Truncated,
    Crc,
    UnknownCodec,
    ZstdNotAllowed,
    TransactionalWithoutProducer,
    CountBeyondOffsets,
    BaseOffsetNotZero,
    ControlFromClient,
    LogAppendTimeFromClient,
    NoRecords,
    LastOffsetDeltaMismatch,
    InvalidSequence,
    Codec,
    CompressedWithoutScratch,
    OffsetDelta,
    TimestampOutOfRange,
    MissingKey,
    ControlKey,
    MarkerOutsideTransaction,
    MarkerValue,
    NegativeCount,
    CountBeyondBytes,
    BytesRemain,
    RecordsEnd,
    RecordLengthUnreadable,
    RecordLengthDoesNotFit,
    DeltasUnreadable,
    KeyLength,
    ValueLength,
    HeaderCount,
    HeaderKey,
    HeaderValue,
    FieldsMismatch,
}

/// <summary>
/// A failure kept as a kind and a few numbers, so that refusing hostile input allocates nothing; the sentence is
/// only formatted when someone reads it.
/// </summary>
internal readonly record struct BatchProblem(
    RecordBatchError Error, ProblemKind Kind, long A = 0, long B = 0, long C = 0, int Record = -1, string? Text = null)
{
    public string Describe()
    {
        var text = Kind switch
        {
            ProblemKind.Empty => "the records hold no record batch",
            ProblemKind.UnexpectedBytes => $"{A} bytes follow the last whole batch: {(B != 0 ? "a Produce request carries exactly one batch per partition" : "too few for another batch")}",
            ProblemKind.ShortForLength => $"{A} bytes cannot hold a batch's baseOffset and batchLength",
            ProblemKind.NegativeLength => $"batchLength {A} is negative",
            ProblemKind.ShortForMagic => $"{A} bytes end before the magic byte",
            ProblemKind.ShortForHeader => $"{A} bytes cannot hold the {RecordBatchHeader.Size}-byte batch header",
            ProblemKind.LegacyMagic => $"magic {A} is a legacy message set; only record batch v2 (magic 2, Kafka 0.11+) is accepted",
            ProblemKind.UnknownMagic => $"invalid magic {A}",
            ProblemKind.LengthBelowHeader => $"batchLength {A} is below the {RecordBatch.MinBatchLength} bytes of a batch header",
            ProblemKind.TooLarge => $"the batch is {A} bytes, above the limit of {B}",
            ProblemKind.Truncated => $"batchLength {A} needs {B} bytes, {C} remain",
            ProblemKind.Crc => string.Create(CultureInfo.InvariantCulture, $"the batch is corrupt: stored CRC {A:x8}, computed {B:x8}"),
            ProblemKind.UnknownCodec => $"unknown compression codec {A}",
            ProblemKind.ZstdNotAllowed => "zstd batches need Produce v7 or later",
            ProblemKind.TransactionalWithoutProducer => "a transactional batch needs a producer id",
            ProblemKind.CountBeyondOffsets => $"recordCount {A} does not fit lastOffsetDelta {B}",
            ProblemKind.BaseOffsetNotZero => $"a produced batch's baseOffset must be 0, not {A}",
            ProblemKind.ControlFromClient => "clients may not write control batches",
            ProblemKind.LogAppendTimeFromClient => "producers may not set the timestamp type to LogAppendTime",
            ProblemKind.NoRecords => $"the batch declares {A} records",
            ProblemKind.LastOffsetDeltaMismatch => $"lastOffsetDelta {A} disagrees with recordCount {B}",
            ProblemKind.InvalidSequence => $"invalid base sequence {A} for producer id {B}",
            ProblemKind.Codec => Text ?? "the codec failed",
            ProblemKind.CompressedWithoutScratch => $"the batch is {(Compression.CompressionType)A}-compressed; pass a scratch buffer to decompress into",
            ProblemKind.OffsetDelta => $"offsetDelta {A} where {(B < 0 ? "an increasing delta within lastOffsetDelta" : B.ToString(CultureInfo.InvariantCulture))} was expected",
            ProblemKind.TimestampOutOfRange => $"timestamp {A} is outside [{B}, {C}]",
            ProblemKind.MissingKey => "no key, which a compacted topic requires",
            ProblemKind.ControlKey => "a control record's key needs an int16 version >= 0 and an int16 type",
            ProblemKind.MarkerOutsideTransaction => "an end-transaction marker outside a transactional batch",
            ProblemKind.MarkerValue => "an end-transaction marker's value needs an int16 version >= 0 and an int32 coordinator epoch",
            ProblemKind.NegativeCount => $"the batch declares {A} records",
            ProblemKind.CountBeyondBytes => $"the batch declares {A} records but {B} bytes of records hold at most {B / (RecordParser.MinBodySize + 1)}",
            ProblemKind.BytesRemain => $"{A} bytes remain after the declared {B} records",
            ProblemKind.RecordsEnd => $"the records end before the declared {A}",
            ProblemKind.RecordLengthUnreadable => "unreadable length varint",
            ProblemKind.RecordLengthDoesNotFit => $"length {A} does not fit the {B} bytes left",
            ProblemKind.DeltasUnreadable => "unreadable timestampDelta or offsetDelta",
            ProblemKind.KeyLength => "key length is invalid or runs past the record",
            ProblemKind.ValueLength => "value length is invalid or runs past the record",
            ProblemKind.HeaderCount => $"header count {A} is invalid for the {B} bytes left",
            ProblemKind.HeaderKey => $"header {A} key length is invalid or runs past the record",
            ProblemKind.HeaderValue => $"header {A} value length is invalid or runs past the record",
            ProblemKind.FieldsMismatch => $"its fields take {A} bytes but its length says {B}",
            _ => Error.ToString(),
        };
        return Record >= 0 ? $"record {Record}: {text}" : text;
    }
}
