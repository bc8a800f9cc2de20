using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Runnel.Raft.Tests.Simulation;

/// <summary>
/// Every scenario over many seeds (500 by default; RUNNEL_SIM_SEEDS changes it). A failure names the scenario and
/// seed and the one line that replays exactly that run.
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    private static int SeedCount => int.TryParse(Environment.GetEnvironmentVariable("RUNNEL_SIM_SEEDS"), CultureInfo.InvariantCulture, out var n) ? n : 500;

    public static TheoryData<string> ScenarioNames => [.. Scenarios.All.Keys];

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void Scenario_holds_for_every_seed(string scenario)
    {
        var run = Scenarios.All[scenario];
        var watch = Stopwatch.StartNew();
        long events = 0, messages = 0, virtualMs = 0;
        for (var seed = 0; seed < SeedCount; seed++)
        {
            try
            {
                var sim = run(seed);
                events += sim.Scheduler.EventCount;
                messages += sim.Network.Sent;
                virtualMs += sim.Now;
            }
            catch (Exception e)
            {
                Assert.Fail($"{scenario} failed at seed {seed}: {e.GetType().Name}: {e.Message}\n"
                    + $"Replay: RUNNEL_SIM_REPLAY={scenario}:{seed} dotnet test tests/Runnel.Raft.Tests --filter Replay_one_seed\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{scenario}: {SeedCount} seeds in {watch.ElapsedMilliseconds} ms; per seed {events / SeedCount} events "
            + $"(invariants checked after each), {messages / SeedCount} messages, {virtualMs / SeedCount / 1000.0:F1} s of virtual time");
    }

    /// <summary>
    /// Runs the one scenario and seed named by RUNNEL_SIM_REPLAY=Scenario:seed (with RUNNEL_SIM_TRACE=file, a full
    /// trace); passes when it is unset.
    /// </summary>
    [Fact]
    public void Replay_one_seed()
    {
        if (Environment.GetEnvironmentVariable("RUNNEL_SIM_REPLAY") is not { } replay)
            return;
        var parts = replay.Split(':');
        var tracePath = Environment.GetEnvironmentVariable("RUNNEL_SIM_TRACE");
        using var trace = tracePath is null ? null : new StreamWriter(tracePath);
        SimTrace.Writer = trace;
        try
        {
            Scenarios.All[parts[0]](int.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        finally
        {
            SimTrace.Writer = null;
        }
    }
}
