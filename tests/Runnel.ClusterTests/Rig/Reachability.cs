using System.Globalization;
using System.Net.Sockets;

namespace Runnel.ClusterTests.Rig;

/// <summary>What a TCP connect attempt met.</summary>
public enum Reach
{
    /// <summary>Something listens there.</summary>
    Open,

    /// <summary>The host answered with a reset: reachable, nothing listening.</summary>
    Refused,

    /// <summary>No answer in time, or the local firewall refused to send: cut.</summary>
    Blocked,
}

/// <summary>
/// TCP connect probes that tell a cut from a closed port: a reachable host resets a connect to a port nobody
/// listens on at once, a cut one stays silent. No listener is needed, so any port can be probed.
/// </summary>
public static class Reachability
{
    // Generous, since the probe from a host includes starting bash on two busy cores; a cut costs this much per probe.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Connects from the test process (the root namespace, through the bridge).</summary>
    public static async Task<Reach> FromTestProcessAsync(RigHost to, int port)
    {
        using var client = new TcpClient();
        using var cancel = new CancellationTokenSource(Timeout);
        try
        {
            await client.ConnectAsync(to.Address, port, cancel.Token);
            return Reach.Open;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return Reach.Refused;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return Reach.Blocked;
        }
    }

    /// <summary>Connects from inside <paramref name="from"/> with bash's /dev/tcp, under coreutils' timeout.</summary>
    public static async Task<Reach> FromHostAsync(RigHost from, RigHost to, int port)
    {
        var seconds = Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        var result = await Shell.TryAsync("ip", "netns", "exec", from.Namespace, "timeout", seconds, "bash", "-c",
            $"exec 3<>/dev/tcp/{to.Address}/{port.ToString(CultureInfo.InvariantCulture)}");
        if (result.ExitCode == 0)
            return Reach.Open;
        return result.Stderr.Contains("Connection refused", StringComparison.Ordinal) ? Reach.Refused : Reach.Blocked;
    }
}
