using System.Buffers.Binary;
using System.Net.Sockets;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.IntegrationTests.Fixtures;

/// <summary>
/// A bare TCP connection that speaks frames: for sending what no well-behaved client would (bad sizes, garbage,
/// corrupt batches) and for checking exactly what comes back.
/// </summary>
public sealed class RawKafkaConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private RawKafkaConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _stream.ReadTimeout = 10_000;
    }

    public static async Task<RawKafkaConnection> ConnectAsync(string bootstrap, string clientId = "raw-test")
    {
        var colon = bootstrap.LastIndexOf(':');
        var client = new TcpClient();
        await client.ConnectAsync(bootstrap[..colon], int.Parse(bootstrap[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        return new RawKafkaConnection(client) { ClientId = clientId };
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Sends a request and decodes its reply at the same version.</summary>
    public async Task<TResponse> RequestAsync<TResponse>(ApiKey key, short version, IKafkaMessage body)
        where TResponse : IKafkaMessage, new()
    {
        var correlationId = await SendAsync(key, version, body);
        var frame = await ReadFrameAsync() ?? throw new IOException("connection closed before the reply");
        var reader = new KafkaReader(frame);
        var header = new ResponseHeader();
        header.Read(ref reader, ApiCatalog.Get(key).ResponseHeaderVersion(version));
        Assert.Equal(correlationId, header.CorrelationId);
        var response = new TResponse();
        response.Read(ref reader, key == ApiKey.ApiVersions && BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(4)) == (short)ErrorCode.UnsupportedVersion ? (short)0 : version);
        Assert.False(reader.Failed, reader.Failure);
        return response;
    }

    /// <summary>The client id its request headers carry.</summary>
    public string ClientId { get; private init; } = "raw-test";

    /// <summary>The size of the last request sent, its size prefix included.</summary>
    public int LastRequestBytes { get; private set; }

    /// <summary>The size of the last frame read, its size prefix included.</summary>
    public int LastResponseBytes { get; private set; }

    public async Task<int> SendAsync(ApiKey key, short version, IKafkaMessage body)
    {
        var correlationId = ++_correlationId;
        using var writer = new KafkaWriter();
        Framing.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)key, RequestApiVersion = version, CorrelationId = correlationId, ClientId = ClientId }, body);
        await _stream.WriteAsync(writer.WrittenMemory);
        LastRequestBytes = writer.WrittenMemory.Length;
        return correlationId;
    }

    /// <summary>The next frame without its size prefix, or null when the broker closed the connection.</summary>
    public async Task<byte[]?> ReadFrameAsync()
    {
        var prefix = new byte[4];
        if (!await ReadExactlyAsync(prefix))
            return null;
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        LastResponseBytes = frame.Length + 4;
        return await ReadExactlyAsync(frame) ? frame : null;
    }

    /// <summary>True when the broker closes the connection (end of stream or reset) within the timeout.</summary>
    public async Task<bool> IsClosedByBrokerAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(buffer, cancel.Token) == 0)
                    return true;
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer);
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
