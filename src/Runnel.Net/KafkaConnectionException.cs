using System.Net.Sockets;
using Runnel.Protocol;

namespace Runnel.Net;

/// <summary>
/// The connection is dead: it could not be opened, an I/O call failed, a request timed out, a frame was corrupt or a
/// reply fell out of step. Every request waiting on it fails with the same instance; its outcome is unknown, and a
/// new connection may succeed.
/// </summary>
public sealed class KafkaConnectionException : IOException
{
    public KafkaConnectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>The peer's error when it refused ApiVersions; <see cref="ErrorCode.None"/> for failures on this side.</summary>
    public ErrorCode ErrorCode { get; init; }

    /// <summary>True when the peer's address refused the connection: its host is up and nothing listens on the port.</summary>
    public bool Refused => InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
}

/// <summary>The peer serves no version of an API that this side also speaks; nothing was sent.</summary>
public sealed class UnsupportedVersionException(string message) : Exception(message)
{
}
