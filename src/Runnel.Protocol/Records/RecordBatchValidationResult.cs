namespace Runnel.Protocol.Records;

/// <summary>
/// The outcome of validating a buffer of batches: <see cref="RecordBatchError.None"/>, or the first problem with a
/// message for logs and the Produce response's error_message. Bad input never throws.
/// </summary>
public readonly record struct RecordBatchValidationResult
{
    public RecordBatchError Error { get; init; }

    /// <summary>Null when valid.</summary>
    public string? Message { get; init; }

    /// <summary>Complete, valid batches before the problem (all of them when valid).</summary>
    public int BatchCount { get; init; }

    /// <summary>Bytes those batches occupy: where a log recovering from a torn write would truncate.</summary>
    public int ValidBytes { get; init; }

    /// <summary>Records in those batches.</summary>
    public int RecordCount { get; init; }

    public bool IsValid => Error == RecordBatchError.None;

    public short KafkaErrorCode => Error.ToKafkaErrorCode();

    public override string ToString() => IsValid ? $"valid: {BatchCount} batches, {RecordCount} records" : $"{Error}: {Message}";

    internal static RecordBatchValidationResult Fail(RecordBatchError error, string message) => new() { Error = error, Message = message };
}
