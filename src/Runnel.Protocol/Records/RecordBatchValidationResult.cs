namespace Runnel.Protocol.Records;

/// <summary>
/// The outcome of validating a buffer of batches: <see cref="RecordBatchError.None"/>, or the first problem with a
/// message for logs and the Produce response's error_message. Bad input never throws, and refusing it allocates
/// nothing until <see cref="Message"/> is read.
/// </summary>
public readonly record struct RecordBatchValidationResult
{
    internal BatchProblem Problem { get; init; }

    public RecordBatchError Error => Problem.Error;

    /// <summary>Complete, valid batches before the problem (all of them when valid).</summary>
    public int BatchCount { get; init; }

    /// <summary>Bytes those batches occupy: where a log recovering from a torn write would truncate.</summary>
    public int ValidBytes { get; init; }

    /// <summary>Records in those batches.</summary>
    public int RecordCount { get; init; }

    public bool IsValid => Error == RecordBatchError.None;

    public ErrorCode ErrorCode => Error.ToErrorCode();

    /// <summary>What is wrong and where, formatted on demand; null when valid.</summary>
    public string? Message => IsValid ? null
        : BatchCount > 0 ? $"at byte {ValidBytes} (after {BatchCount} valid batches): {Problem.Describe()}" : Problem.Describe();

    public override string ToString() => IsValid ? $"valid: {BatchCount} batches, {RecordCount} records" : $"{Error}: {Message}";

    internal static RecordBatchValidationResult Fail(BatchProblem problem) => new() { Problem = problem };
}
