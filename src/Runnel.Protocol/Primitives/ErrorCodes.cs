namespace Runnel.Protocol;

public readonly record struct ErrorCodeInfo(ErrorCode Code, string Name, bool Retriable);

/// <summary>Names and retriability of Kafka's error codes, from the generated table.</summary>
public static partial class ErrorCodes
{
    private static readonly Dictionary<ErrorCode, ErrorCodeInfo> ByCode = Table.ToDictionary(e => e.Code);

    /// <summary>Kafka's name for the code (UNKNOWN_TOPIC_OR_PARTITION), or the number for an unknown code.</summary>
    public static string Name(ErrorCode code) => ByCode.TryGetValue(code, out var info) ? info.Name : ((short)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsRetriable(ErrorCode code) => ByCode.TryGetValue(code, out var info) && info.Retriable;

    public static IReadOnlyCollection<ErrorCodeInfo> All => Table;
}
