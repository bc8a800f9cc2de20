using System.Net.Sockets;
using Runnel.Metadata.Image;

namespace Runnel.Broker.Quorum;

/// <summary>
/// Whether a broker's registered addresses refuse TCP connections right now: every listener answers a connection
/// attempt with a reset (nothing listens, so its process is gone). Any connection that opens, times out or fails
/// otherwise means "not known to be gone".
/// </summary>
internal static class AddressProbe
{
    public static async Task<bool> RefusesConnectionsAsync(BrokerRegistration broker, TimeSpan timeout, TimeProvider time, CancellationToken cancellation)
    {
        if (broker.Endpoints.IsEmpty)
            return false;
        foreach (var endpoint in broker.Endpoints)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var deadline = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellation);
            try
            {
                await socket.ConnectAsync(endpoint.Host, endpoint.Port, linked.Token).ConfigureAwait(false);
                return false;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // Nothing listens on this one; look at the others.
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellation.IsCancellationRequested)
            {
                return false;
            }
        }
        return true;
    }
}
