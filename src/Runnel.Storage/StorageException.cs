namespace Runnel.Storage;

/// <summary>What went wrong in storage; the broker maps each kind to a Kafka error code.</summary>
public enum StorageErrorKind
{
    /// <summary>The disk is full. Nothing was appended; appends succeed again once space is freed (KAFKA_STORAGE_ERROR).</summary>
    DiskFull,

    /// <summary>A read, write or fsync failed. After a failed fsync the log refuses appends until reopened (KAFKA_STORAGE_ERROR).</summary>
    IoError,

    /// <summary>The requested offset is outside [log start offset, log end offset] (OFFSET_OUT_OF_RANGE).</summary>
    OffsetOutOfRange,

    /// <summary>The appended bytes are not well-formed record batches, or their offsets go backwards (CORRUPT_MESSAGE).</summary>
    InvalidBatch,

    /// <summary>The log was closed, or taken offline by an earlier fsync failure (KAFKA_STORAGE_ERROR).</summary>
    Offline,
}

/// <summary>A typed storage failure; see <see cref="StorageErrorKind"/> for the mapping to Kafka errors.</summary>
public sealed class StorageException : Exception
{
    /// <summary>ENOSPC on Linux; .NET reports an unmapped errno as the IOException's HResult.</summary>
    internal const int DiskFullErrno = 28;

    public StorageException(StorageErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public StorageErrorKind Kind { get; }

    /// <summary>Wraps an I/O failure, telling a full disk (recoverable) from other errors.</summary>
    internal static StorageException FromIo(string what, IOException e) =>
        new(IsDiskFull(e) ? StorageErrorKind.DiskFull : StorageErrorKind.IoError, $"{what}: {e.Message}", e);

    private static bool IsDiskFull(IOException e) =>
        e.HResult == DiskFullErrno
        // Windows: ERROR_HANDLE_DISK_FULL (0x27) and ERROR_DISK_FULL (0x70) as HRESULTs.
        || e.HResult == unchecked((int)0x80070027) || e.HResult == unchecked((int)0x80070070);
}
