using Runnel.Protocol;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>An outcome in Kafka's terms: an error code and an optional message.</summary>
public readonly record struct ApiError(ErrorCode Error, string? Message = null)
{
    public static readonly ApiError None = new(ErrorCode.None);

    public bool Succeeded => Error == ErrorCode.None;
}

/// <summary>
/// What a control manager decided: the records that carry the change (committed atomically, in one batch) and the
/// answer to give once they are committed. No records means nothing to commit (a refusal, or validate-only).
/// </summary>
public sealed record ControllerResult<T>(IReadOnlyList<IKafkaMessage> Records, T Response);

public static class ControllerResult
{
    /// <summary>An answer with nothing to commit.</summary>
    public static ControllerResult<T> Of<T>(T response) => new([], response);
}
