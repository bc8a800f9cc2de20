using Microsoft.Extensions.Logging;

namespace Runnel.Raft.Tests.Simulation;

/// <summary>
/// The replay's trace: when RUNNEL_SIM_TRACE names a file, every node's role, epoch, leader and high watermark
/// changes, the core's own log lines and each delivered message are written there with the virtual time.
/// </summary>
internal static class SimTrace
{
    public static TextWriter? Writer { get; set; }

    public static void Line(long now, string text) => Writer?.WriteLine($"{now,8} {text}");

    /// <summary>Writes each node's state when it changed since the last event.</summary>
    public static Action Watch(SimCluster cluster)
    {
        var last = new Dictionary<int, string>();
        return () =>
        {
            foreach (var node in cluster.Nodes)
            {
                var text = node.Raft?.ToString() ?? $"node {node.Id} down";
                if (last.GetValueOrDefault(node.Id) != text)
                {
                    last[node.Id] = text;
                    Line(cluster.Scheduler.Now, text);
                }
            }
        };
    }

    public static ILogger? Logger(Scheduler scheduler, int node) => Writer is null ? null : new TraceLogger(scheduler, node);

    private sealed class TraceLogger(Scheduler scheduler, int node) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Line(scheduler.Now, $"  [{node}] {formatter(state, exception)}");
    }
}
