using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;

namespace Runnel.Broker.Transport;

/// <summary>
/// Binds a listener's address and accepts connections. "localhost" binds both 127.0.0.1 and ::1 (clients resolve it
/// to either); an empty host or 0.0.0.0 binds every interface. Port 0 takes a free port, reported by BoundPort.
/// </summary>
internal sealed class SocketListener : IAsyncDisposable
{
    private readonly List<Socket> _sockets = [];
    private readonly ILogger _logger;

    private SocketListener(ListenerAddress address, ILogger logger)
    {
        Address = address;
        _logger = logger;
    }

    public ListenerAddress Address { get; }

    public int BoundPort { get; private set; }

    public IReadOnlyList<IPEndPoint> BoundEndpoints => _sockets.Select(s => (IPEndPoint)s.LocalEndPoint!).ToList();

    public static SocketListener Bind(ListenerAddress address, ILogger logger)
    {
        var listener = new SocketListener(address, logger);
        try
        {
            var port = address.Port;
            foreach (var ip in Resolve(address.Host))
            {
                var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                if (ip.Equals(IPAddress.IPv6Any))
                    socket.DualMode = true;
                AllowRebindAfterRestart(socket);
                try
                {
                    socket.Bind(new IPEndPoint(ip, port));
                }
                catch (SocketException) when (ip.Equals(IPAddress.IPv6Loopback) && listener._sockets.Count > 0)
                {
                    // A machine without IPv6 still serves localhost on 127.0.0.1.
                    socket.Dispose();
                    continue;
                }
                socket.Listen(512);
                listener._sockets.Add(socket);
                // With port 0 the first bind picks the port and the others share it.
                port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            }
            listener.BoundPort = port;
            return listener;
        }
        catch
        {
            foreach (var socket in listener._sockets)
                socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Lets a restarted broker bind while old connections sit in TIME_WAIT. On Linux only SO_REUSEADDR is set:
    /// .NET's ReuseAddress option also sets SO_REUSEPORT there, which would let a second broker listen on the same
    /// port and split the clients between them.
    /// </summary>
    private static void AllowRebindAfterRestart(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            const int SolSocket = 1, SoReuseAddr = 2;
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        }
    }

    private static IPAddress[] Resolve(string host)
    {
        if (host.Length == 0 || host == "0.0.0.0" || host == "::")
            return [Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
        if (IPAddress.TryParse(host, out var ip))
            return [ip];
        return Dns.GetHostAddresses(host).Take(1).ToArray();
    }

    /// <summary>
    /// Accepts until disposed, handing each socket to <paramref name="accepted"/>, which then owns the connection slot
    /// reserved for it in <paramref name="quotas"/> (and gives it back when the connection ends).
    /// </summary>
    public Task AcceptAllAsync(ConnectionQuotas quotas, Action<Socket, string> accepted, CancellationToken stopping)
        => Task.WhenAll(_sockets.Select(socket => AcceptLoopAsync(socket, quotas, accepted, stopping)));

    private async Task AcceptLoopAsync(Socket socket, ConnectionQuotas quotas, Action<Socket, string> accepted, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                // At a connection limit nothing is accepted: new clients wait in the backlog, as Kafka's acceptor blocks.
                await quotas.WaitForSlotAsync(Address.Name, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                client = await socket.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                quotas.Release(Address.Name);
                return;
            }
            catch (SocketException e)
            {
                quotas.Release(Address.Name);
                _logger.LogWarning("Accept on {Listener} failed: {Error}", Address, e.Message);
                continue;
            }
            client.NoDelay = true;
            accepted(client, Address.Name);
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
            socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
