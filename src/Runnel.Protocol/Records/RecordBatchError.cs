namespace Runnel.Protocol.Records;

/// <summary>
/// Why a record batch was refused. Each reason maps to the Kafka error code a Produce response carries
/// (<see cref="RecordBatchErrors.ToKafkaErrorCode"/>); the choice follows what Kafka 4.0 answers for the same input
/// (ProduceRequest.validateRecords, UnifiedLog.analyzeAndValidateRecords, LogValidator, DefaultRecord).
/// </summary>
public enum RecordBatchError
{
    None = 0,

    /// <summary>The buffer holds no batch at all. INVALID_RECORD ("must have at least one record batch").</summary>
    Empty,

    /// <summary>The header, or the bytes batchLength promises, run past the buffer. INVALID_RECORD.</summary>
    Truncated,

    /// <summary>batchLength is negative or below the 49 bytes a magic 2 header needs. CORRUPT_MESSAGE.</summary>
    LengthTooSmall,

    /// <summary>The batch is larger than the topic's max.message.bytes. MESSAGE_TOO_LARGE.</summary>
    TooLarge,

    /// <summary>Magic 0 or 1: a legacy message set, which Produce v3+ may not carry. INVALID_RECORD.</summary>
    LegacyMagic,

    /// <summary>A magic byte no Kafka version ever wrote. CORRUPT_MESSAGE ("Invalid magic found in record").</summary>
    UnknownMagic,

    /// <summary>The stored CRC-32C does not match bytes 21..end. CORRUPT_MESSAGE.</summary>
    CrcMismatch,

    /// <summary>More than one batch where one is required (Produce v3+), or bytes after the last batch. INVALID_RECORD.</summary>
    UnexpectedBytes,

    /// <summary>Codec id 5-7, zstd on Produce below v7, or a codec this build cannot run. UNSUPPORTED_COMPRESSION_TYPE.</summary>
    UnsupportedCompression,

    /// <summary>The compressed records could not be decompressed. CORRUPT_MESSAGE.</summary>
    CorruptCompression,

    /// <summary>The records would decompress past the configured limit. MESSAGE_TOO_LARGE.</summary>
    UncompressedTooLarge,

    /// <summary>recordCount and lastOffsetDelta disagree, or a client batch declares no record. INVALID_RECORD.</summary>
    InvalidCount,

    /// <summary>A client batch whose baseOffset is not 0. INVALID_RECORD.</summary>
    InvalidBaseOffset,

    /// <summary>A record's offsetDelta is not its index (client) or not increasing (log). INVALID_RECORD.</summary>
    InvalidOffsetDelta,

    /// <summary>A record's lengths, varints or headers do not fit its bytes, or records are missing or extra. INVALID_RECORD.</summary>
    InvalidRecord,

    /// <summary>A client sent a control batch, which only the broker may write. INVALID_RECORD.</summary>
    ControlBatchFromClient,

    /// <summary>A control record whose key or end-transaction marker value is malformed. INVALID_RECORD.</summary>
    InvalidControlRecord,

    /// <summary>Idempotent batch with a negative base sequence, or transactional batch without producer id. INVALID_RECORD.</summary>
    InvalidProducerState,

    /// <summary>A record without key for a compacted topic. INVALID_RECORD.</summary>
    MissingKey,

    /// <summary>A timestamp outside the topic's allowed window, or a client claiming LogAppendTime. INVALID_TIMESTAMP.</summary>
    InvalidTimestamp,
}

public static class RecordBatchErrors
{
    /// <summary>The error the broker puts in the partition's Produce response.</summary>
    public static ErrorCode ToErrorCode(this RecordBatchError error) => error switch
    {
        RecordBatchError.None => ErrorCode.None,
        RecordBatchError.LengthTooSmall or RecordBatchError.UnknownMagic or RecordBatchError.CrcMismatch
            or RecordBatchError.CorruptCompression => ErrorCode.CorruptMessage,
        RecordBatchError.TooLarge or RecordBatchError.UncompressedTooLarge => ErrorCode.MessageTooLarge,
        RecordBatchError.UnsupportedCompression => ErrorCode.UnsupportedCompressionType,
        RecordBatchError.InvalidTimestamp => ErrorCode.InvalidTimestamp,
        _ => ErrorCode.InvalidRecord,
    };

    /// <summary><see cref="ToErrorCode"/> as the int16 the wire carries.</summary>
    public static short ToKafkaErrorCode(this RecordBatchError error) => (short)error.ToErrorCode();
}
