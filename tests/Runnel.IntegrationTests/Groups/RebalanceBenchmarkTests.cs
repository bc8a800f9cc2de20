using System.Diagnostics;
using Runnel.Client;
using Runnel.Client.Consumer;
using Runnel.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.Groups;

/// <summary>
/// The figure for the notes: from the tenth member's first poll (its JoinGroup) to every member of the 10-member
/// group polling with its partitions of the new generation, with Runnel.Client consumers. The nine others learn of
/// the rebalance from a heartbeat, so the heartbeat interval bounds the figure; it is measured at two intervals.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class RebalanceBenchmarkTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3000)]
    [InlineData(100)]
    public async Task Tenth_member_joining_a_ten_member_group_until_every_member_is_assigned(int heartbeatMs)
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "10" });
        await GroupClientTests.KcatProduce(broker, "bench-topic", 0, 10);
        using var stop = new CancellationTokenSource();
        var members = Enumerable.Range(0, 10).Select(i => new Member(broker.Bootstrap, heartbeatMs, $"m{i}")).ToList();
        try
        {
            foreach (var member in members.Take(9))
                member.Start(stop.Token);
            var firstGeneration = await WaitAsync(members.Take(9).ToList(), generation: 1);
            var clock = Stopwatch.StartNew();
            members[9].Start(stop.Token);
            await WaitAsync(members, firstGeneration + 1);
            clock.Stop();
            output.WriteLine($"heartbeat.interval {heartbeatMs} ms: tenth member joined -> all 10 assigned in {clock.ElapsedMilliseconds} ms");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15));
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var member in members)
                await member.DisposeAsync();
        }
    }

    /// <summary>Waits until every member polls with partitions in one generation at least <paramref name="generation"/>; returns it.</summary>
    private static async Task<int> WaitAsync(List<Member> members, int generation)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var states = members.Select(m => m.State).ToList();
            if (states.All(s => s.Assigned > 0 && s.Generation >= generation) && states.Select(s => s.Generation).Distinct().Count() == 1
                && states.Sum(s => s.Assigned) == 10)
                return states[0].Generation;
            await Task.WhenAny(members.Select(m => m.NextPoll));
        }
        throw new TimeoutException($"members never settled: {string.Join(", ", members.Select(m => m.State))}");
    }

    private sealed class Member(string bootstrap, int heartbeatMs, string name) : IAsyncDisposable
    {
        private readonly RunnelConsumer _consumer = new(new ConsumerOptions
        {
            BootstrapServers = bootstrap,
            ClientId = name,
            GroupId = "bench",
            HeartbeatInterval = TimeSpan.FromMilliseconds(heartbeatMs),
            SessionTimeout = TimeSpan.FromSeconds(10),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        });

        private Task _loop = Task.CompletedTask;
        private TaskCompletionSource _polled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public (int Generation, int Assigned) State { get; private set; } = (-1, 0);

        public Task NextPoll => _polled.Task;

        public void Start(CancellationToken stop)
        {
            _consumer.Subscribe(["bench-topic"]);
            _loop = Task.Run(async () =>
            {
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        await _consumer.PollAsync(TimeSpan.FromMilliseconds(50), stop);
                        State = (_consumer.GenerationId, _consumer.Assignment.Count);
                        Interlocked.Exchange(ref _polled, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, stop);
        }

        public async ValueTask DisposeAsync()
        {
            await _loop;
            await _consumer.DisposeAsync();
        }
    }
}
