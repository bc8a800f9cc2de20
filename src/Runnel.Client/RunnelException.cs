using Runnel.Protocol;

namespace Runnel.Client;

/// <summary>
/// A request the cluster refused or could not complete. <see cref="ErrorCode"/> carries Kafka's error when the broker
/// sent one; <see cref="ErrorCode.None"/> means the failure happened on this side (connection, timeout, decoding).
/// </summary>
public class RunnelException : Exception
{
    public RunnelException()
    {
    }

    public RunnelException(string message)
        : base(message)
    {
    }

    public RunnelException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public RunnelException(ErrorCode errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    public ErrorCode ErrorCode { get; }

    /// <summary>True when the same request may succeed later: Kafka marks the error retriable, or the connection failed.</summary>
    public virtual bool IsRetriable => ErrorCode != ErrorCode.None && ErrorCodes.IsRetriable(ErrorCode);

    /// <summary>Builds an exception for a broker error, naming it as Kafka does (UNKNOWN_TOPIC_OR_PARTITION).</summary>
    internal static RunnelException FromError(ErrorCode code, string context, string? brokerMessage = null)
    {
        var detail = string.IsNullOrEmpty(brokerMessage) ? "" : $": {brokerMessage}";
        return new RunnelException(code, $"{context} failed with {ErrorCodes.Name(code)}{detail}");
    }

    /// <summary>Throws when <paramref name="code"/> is an error.</summary>
    internal static void ThrowIfError(short code, string context, string? brokerMessage = null)
    {
        if (code != 0)
            throw FromError((ErrorCode)code, context, brokerMessage);
    }
}

/// <summary>The broker does not serve an API (or any version of it) that this client needs.</summary>
public sealed class UnsupportedApiException(string message) : RunnelException(ErrorCode.UnsupportedVersion, message)
{
}

/// <summary>
/// A connection to a broker could not be opened, failed, timed out or fell out of step, so the request's outcome is
/// unknown. Retrying (on a new connection) may succeed; producers and consumers do so themselves.
/// </summary>
public sealed class BrokerConnectionException : RunnelException
{
    public BrokerConnectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    public override bool IsRetriable => true;
}
