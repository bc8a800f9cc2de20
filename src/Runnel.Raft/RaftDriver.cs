using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Raft.Messages;

namespace Runnel.Raft;

/// <summary>
/// Runs one <see cref="RaftNode"/> on its own loop: every message, append and query is queued and executed there,
/// one at a time, followed by a poll; with nothing queued the loop sleeps until the node's next timer is due.
/// This is the only place with threads and a real clock; the core stays a deterministic state machine.
/// </summary>
public sealed class RaftDriver : IAsyncDisposable
{
    private readonly Channel<Action<RaftNode>> _work = Channel.CreateUnbounded<Action<RaftNode>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly RaftNode _node;
    private Task _loop = Task.CompletedTask;

    /// <param name="create">Builds the node given the current time in ms; it runs before the loop starts.</param>
    public RaftDriver(Func<long, RaftNode> create, TimeProvider? time = null, ILogger? logger = null)
    {
        _time = time ?? TimeProvider.System;
        _origin = _time.GetTimestamp();
        _logger = logger ?? NullLogger.Instance;
        _node = create(NowMs);
    }

    /// <summary>Milliseconds on the driver's monotonic clock (what the node's timestamps mean).</summary>
    public long NowMs => (long)_time.GetElapsedTime(_origin).TotalMilliseconds;

    /// <summary>Runs on the loop after every step; the state machine uses it to take snapshots.</summary>
    public Action<RaftNode>? AfterStep { get; set; }

    /// <summary>Why the loop stopped, if it failed (the node broke an invariant, or its disk failed).</summary>
    public Exception? Failure { get; private set; }

    public void Start() => _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    /// <summary>Hands a message from the network to the node.</summary>
    public void Deliver(RaftMessage message) => _work.Writer.TryWrite(node => node.Handle(message, NowMs));

    /// <summary>Tells the node its request was lost without a reply; <paramref name="peerDown"/> when the peer refused the connection.</summary>
    public void Failed(RaftMessage request, bool peerDown) => _work.Writer.TryWrite(node => node.RequestFailed(request.Destination, request.CorrelationId, peerDown, NowMs));

    /// <summary>Runs <paramref name="action"/> on the loop and returns its result.</summary>
    public Task<T> InvokeAsync<T>(Func<RaftNode, T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(node =>
        {
            try
            {
                done.TrySetResult(action(node));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
                throw;
            }
        }))
        {
            done.TrySetException(new ObjectDisposedException(nameof(RaftDriver), Failure?.Message ?? "The quorum driver has stopped."));
        }
        return done.Task;
    }

    /// <summary>Appends records as one batch if this node leads; the offset of the last record, or null.</summary>
    public Task<long?> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records) => InvokeAsync(node => node.Append(records));

    private async Task RunAsync()
    {
        var reader = _work.Reader;
        Task<bool>? waiting = null;
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                // Everything queued first, then one poll: appends that arrived together share one fsync.
                while (reader.TryRead(out var item))
                    item(_node);
                var due = Step();
                waiting ??= reader.WaitToReadAsync(_stopping.Token).AsTask();
                if (!waiting.IsCompleted)
                {
                    if (due == long.MaxValue)
                        await ((Task)waiting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    else if (due - NowMs is var sleepMs and > 0)
                        await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMilliseconds(sleepMs), _time)).ConfigureAwait(false);
                }
                if (waiting.IsCompleted)
                    waiting = null;
            }
        }
        catch (Exception e)
        {
            Failure = e;
            _logger.LogCritical(e, "Quorum node {Id} stopped: {Message}", _node.Id, e.Message);
            _work.Writer.TryComplete(e);
        }
    }

    /// <summary>Polls the node; returns when it must next be polled if nothing arrives first.</summary>
    private long Step()
    {
        var due = _node.Poll(NowMs);
        AfterStep?.Invoke(_node);
        return due;
    }

    /// <summary>Stops the loop; a leader resigns first so the others elect a successor without waiting a timeout.</summary>
    public ValueTask DisposeAsync() => StopAsync(resign: true);

    /// <summary>Stops the loop, resigning first or (to stand in for a crash) not.</summary>
    public async ValueTask StopAsync(bool resign)
    {
        if (_stopping.IsCancellationRequested)
            return;
        if (resign)
            await ResignAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _work.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task ResignAsync()
    {
        try
        {
            await InvokeAsync(node =>
            {
                node.Resign();
                return true;
            }).WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or ObjectDisposedException or InvalidOperationException or ChannelClosedException)
        {
        }
    }
}
