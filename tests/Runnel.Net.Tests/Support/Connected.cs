namespace Runnel.Net.Tests.Support;

/// <summary>Opens a connection to a scripted peer and hands back both ends.</summary>
internal static class Connected
{
    /// <summary>Fixed versions (no ApiVersions round trip), so the first frame the peer reads is the test's own.</summary>
    public static KafkaConnectionOptions Options(TimeProvider? time = null, TimeSpan? requestTimeout = null) => new()
    {
        NegotiateApiVersions = false,
        RequestTimeout = requestTimeout ?? ScriptedPeer.Bounded,
        Time = time ?? TimeProvider.System,
    };

    public static async Task<(KafkaConnection Connection, PeerSession Peer)> ToAsync(ScriptedPeer peer, KafkaConnectionOptions? options = null)
    {
        var connecting = KafkaConnection.ConnectAsync("127.0.0.1", peer.Port, options ?? Options());
        var session = await peer.AcceptAsync();
        return (await connecting.WaitAsync(ScriptedPeer.Bounded), session);
    }
}
