using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Streaming;

/// <summary>
/// Streaming ingest: a local WebSocket server emits JSON events, a Python forwarder (websocket-client +
/// kafka-python) produces each to `websocket-events`, and `runnel consume --from-beginning` prints them in order.
/// </summary>
public sealed class WebSocketIngestTests
{
    private const int Events = 250;

    [Fact]
    public async Task Events_from_a_websocket_arrive_complete_and_in_order()
    {
        await using var broker = await BrokerFixture.StartAsync();
        using var server = new HttpListener();
        var port = FreePort();
        server.Prefixes.Add($"http://127.0.0.1:{port}/");
        server.Start();
        var serving = ServeEventsAsync(server);

        var forwarded = await ExternalProcess.RunAsync("/usr/bin/python3",
            [Path.Combine(AppContext.BaseDirectory, "Scripts", "python", "websocket_forwarder.py"), $"ws://127.0.0.1:{port}/", broker.Bootstrap, "websocket-events", Events.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            timeout: TimeSpan.FromSeconds(90));
        Assert.True(forwarded.ExitCode == 0, ExternalProcess.Describe(forwarded));
        await serving;

        var consumed = await ExternalProcess.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "runnel.dll"), "consume", "--bootstrap-server", broker.Bootstrap, "--topic", "websocket-events", "--from-beginning", "--max-messages", Events.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(consumed.ExitCode == 0, ExternalProcess.Describe(consumed));
        var sequence = consumed.Lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, Events), sequence);
    }

    private static async Task ServeEventsAsync(HttpListener server)
    {
        var context = await server.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var socket = (await context.AcceptWebSocketAsync(subProtocol: null)).WebSocket;
        for (var i = 0; i < Events; i++)
        {
            var json = JsonSerializer.Serialize(new { seq = i, type = i % 3 == 0 ? "click" : "view", at = 1_700_000_000_000L + i });
            await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        // Wait for the client to close, so no event is cut off.
        var buffer = new byte[16];
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            if (result.MessageType == WebSocketMessageType.Close)
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
