using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Raft;
using Runnel.Raft.Log;
using Runnel.Raft.Messages;
using Runnel.Raft.State;
using Runnel.Raft.Transport;
using Runnel.Storage.IO;

namespace Runnel.Quorum.Bench;

/// <summary>A state machine that only counts (so the figure is the quorum's) and wakes whoever waits for an offset.</summary>
internal sealed class CountingMachine : IRaftStateMachine
{
    private readonly object _lock = new();
    private readonly List<(long Offset, TaskCompletionSource Done)> _waiters = [];
    private long _applied;

    public long Applied => Volatile.Read(ref _applied);

    public void Apply(BatchInfo info, ReadOnlySpan<byte> batch) => Advance(info.LastOffset + 1);

    public void LoadSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data) => Advance(id.Offset);

    public void OnLeaderChange(int epoch, int? leaderId)
    {
    }

    /// <summary>Completes once everything below <paramref name="end"/> is applied.</summary>
    public Task WaitForAsync(long end)
    {
        lock (_lock)
        {
            if (_applied >= end)
                return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((end, done));
            return done.Task;
        }
    }

    private void Advance(long applied)
    {
        List<TaskCompletionSource> done;
        lock (_lock)
        {
            Volatile.Write(ref _applied, applied);
            done = [.. _waiters.Where(w => w.Offset <= applied).Select(w => w.Done)];
            _waiters.RemoveAll(w => w.Offset <= applied);
        }
        done.ForEach(d => d.TrySetResult());
    }
}

/// <summary>One voter: its driver, its transport, and a listener that serves the quorum's requests as the broker's handlers do.</summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly FileRaftLog _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Socket, bool> _accepted = new();

    public BenchNode(int id, QuorumVoters voters, string directory, TcpListener listener)
    {
        Id = id;
        Directory = directory;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        _log = FileRaftLog.Open(directory);
        var logger = new ConsoleLogger(id);
        Transport = new RaftTransport(id, voters, logger);
        var store = new FileQuorumStateStore(PhysicalFileSystem.Instance, directory);
        Driver = new RaftDriver(now => new RaftNode(id, voters, new RaftConfig(), _log, store, Transport, Machine, now, new Random(), logger), logger: logger);
        Transport.Attach(Driver);
        Driver.Start();
        _ = AcceptAsync();
    }

    public int Id { get; }

    public string Directory { get; }

    /// <summary>The bound port, read once: a stopped listener reports the port it was asked for (0).</summary>
    public int Port { get; }

    /// <summary>Stands in for kill -9: the loop stops without resigning and every socket closes.</summary>
    public async Task CrashAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        foreach (var socket in _accepted.Keys)
            socket.Dispose();
        await Driver.StopAsync(resign: false);
        await Transport.DisposeAsync();
        _log.Dispose();
    }

    public CountingMachine Machine { get; } = new();

    public RaftDriver Driver { get; }

    public RaftTransport Transport { get; }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _accepted[socket] = true;
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        socket.NoDelay = true;
        var size = new byte[4];
        var write = new SemaphoreSlim(1, 1);
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(size, _stopping.Token);
                var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
                await stream.ReadExactlyAsync(frame, _stopping.Token);
                // Requests are answered concurrently (a parked fetch must not hold up votes), replies written whole.
                _ = AnswerAsync(socket, frame, write);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException or EndOfStreamException)
        {
        }
    }

    private async Task AnswerAsync(Socket socket, byte[] frame, SemaphoreSlim write)
    {
        var reader = new KafkaReader(frame);
        var header = Framing.ReadRequestHeader(ref reader, frame);
        var api = (ApiKey)header.RequestApiKey;
        var body = RaftWire.Decode(api, request: true, frame.AsMemory(reader.Position), header.RequestApiVersion);
        var reply = await Transport.HandleAsync(RaftRequests.SourceOf(body), api, body, TimeSpan.FromSeconds(5), _stopping.Token);
        if (reply is null)
            return;
        using var writer = new KafkaWriter(1024);
        Framing.WriteResponse(writer, header.CorrelationId, header.RequestApiKey, header.RequestApiVersion, reply);
        await write.WaitAsync();
        try
        {
            await socket.SendAsync(writer.WrittenMemory);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            write.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        await _stopping.CancelAsync();
        _listener.Stop();
        await Driver.DisposeAsync();
        await Transport.DisposeAsync();
        _log.Dispose();
    }
}

/// <summary>n voters on loopback ports, each with a log in a temp directory.</summary>
internal sealed class LoopbackQuorum : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "runnel-quorum-bench-" + Guid.NewGuid().ToString("N")[..8]);

    public List<BenchNode> Nodes { get; } = [];

    private QuorumVoters _voters = null!;

    /// <summary>Crashes the leader, times the election of the next one, then restarts the old one and waits for it to catch up.</summary>
    public async Task<TimeSpan> CrashLeaderAsync()
    {
        var leader = await WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        var epoch = await leader.Driver.InvokeAsync(n => n.Epoch);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await leader.CrashAsync();
        var index = Nodes.IndexOf(leader);
        BenchNode next;
        while (true)
        {
            next = await WaitForLeaderAsync(TimeSpan.FromSeconds(30), except: leader);
            if (await next.Driver.InvokeAsync(n => n.Epoch) > epoch)
                break;
        }
        var elapsed = watch.Elapsed;
        var listener = new TcpListener(IPAddress.Loopback, leader.Port);
        listener.Start();
        var restarted = new BenchNode(leader.Id, _voters, leader.Directory, listener);
        Nodes[index] = restarted;
        var target = await next.Driver.InvokeAsync(n => n.HighWatermark);
        while (await restarted.Driver.InvokeAsync(n => n.HighWatermark) < target)
            await Task.Delay(20);
        return elapsed;
    }

    public static Task<LoopbackQuorum> StartAsync(int count)
    {
        var quorum = new LoopbackQuorum();
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var voters = new QuorumVoters(listeners.Select((l, i) => new VoterEndpoint(i + 1, "127.0.0.1", ((IPEndPoint)l.LocalEndpoint).Port)));
        quorum._voters = voters;
        for (var i = 0; i < count; i++)
            quorum.Nodes.Add(new BenchNode(i + 1, voters, Path.Combine(quorum._root, $"node-{i + 1}"), listeners[i]));
        return Task.FromResult(quorum);
    }

    public async Task<BenchNode> WaitForLeaderAsync(TimeSpan timeout, BenchNode? except = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var node in Nodes.Where(n => n != except))
            {
                if (node.Driver.Failure is not null)
                    throw new InvalidOperationException($"node {node.Id} failed", node.Driver.Failure);
                if (await node.Driver.InvokeAsync(n => n.IsLeader && n.HasLeaderHighWatermark))
                    return node;
            }
            await Task.Delay(5);
        }
        var states = new List<string>();
        foreach (var n in Nodes)
        {
            try
            {
                states.Add(await n.Driver.InvokeAsync(r => r.ToString() + " " + r.ElectionState));
            }
            catch (ObjectDisposedException e)
            {
                states.Add($"node {n.Id}: {e.Message}");
            }
        }
        throw new TimeoutException("No leader: " + string.Join("; ", states));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

internal sealed class ConsoleLogger(int node) : Microsoft.Extensions.Logging.ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => Environment.GetEnvironmentVariable("BENCH_LOG") is not null && logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
            Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [{node}] {formatter(state, exception)} {exception?.Message}");
    }
}
