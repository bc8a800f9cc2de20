using Runnel.Broker.Groups.Lag;

namespace Runnel.Broker.Tests.Groups.Lag;

/// <summary>
/// Burrow's rules over a window of commits, driven by a hand-moved clock: each scenario commits once a second (as a
/// consumer with auto-commit does) and must be detected by the time the window is full.
/// </summary>
public sealed class ConsumerLagEvaluatorTests
{
    private const int Window = 5;
    private readonly ManualTimeProvider _time = new();
    private readonly ConsumerLagEvaluator _evaluator;

    public ConsumerLagEvaluatorTests() => _evaluator = new ConsumerLagEvaluator(_time, Window, TimeSpan.FromSeconds(10));

    /// <summary>Commits <paramref name="offsets"/> one second apart against the high watermarks given with them.</summary>
    private void Commit(params (long Offset, long HighWatermark)[] commits)
    {
        foreach (var (offset, highWatermark) in commits)
        {
            _time.Advance(1000);
            _evaluator.RecordCommit("g", "t", 0, offset, highWatermark);
        }
    }

    [Fact]
    public void A_consumer_that_catches_up_is_OK()
    {
        Commit((10, 100), (50, 120), (130, 130), (140, 160), (150, 170));
        Assert.Equal(ConsumerLagStatus.Ok, _evaluator.Evaluate("g", "t", 0, currentLag: 20));
    }

    [Fact]
    public void A_consumer_whose_lag_shrinks_is_OK_even_if_never_caught_up()
    {
        Commit((10, 100), (50, 130), (100, 170), (150, 200), (200, 230));
        Assert.Equal(ConsumerLagStatus.Ok, _evaluator.Evaluate("g", "t", 0, currentLag: 30));
    }

    [Fact]
    public void Lag_that_never_shrinks_while_offsets_move_is_WARN()
    {
        Commit((10, 100), (20, 120), (30, 140), (40, 160), (50, 180));
        Assert.Equal(ConsumerLagStatus.Warn, _evaluator.Evaluate("g", "t", 0, currentLag: 130));
    }

    [Fact]
    public void Commits_at_one_offset_while_there_is_lag_are_STALL()
    {
        Commit((40, 100), (40, 110), (40, 120), (40, 130), (40, 140));
        Assert.Equal(ConsumerLagStatus.Stall, _evaluator.Evaluate("g", "t", 0, currentLag: 100));
    }

    [Fact]
    public void No_commit_for_longer_than_the_window_took_is_STOP()
    {
        Commit((10, 100), (30, 110), (50, 120), (70, 130), (90, 140));
        Assert.Equal(ConsumerLagStatus.Ok, _evaluator.Evaluate("g", "t", 0, currentLag: 50));
        // The window spans 4 s; 10 s (the minimum stop age) without a commit stops it.
        _time.Advance(9_000);
        Assert.Equal(ConsumerLagStatus.Ok, _evaluator.Evaluate("g", "t", 0, currentLag: 50));
        _time.Advance(1_000);
        Assert.Equal(ConsumerLagStatus.Stop, _evaluator.Evaluate("g", "t", 0, currentLag: 50));
    }

    [Fact]
    public void A_stopped_consumer_without_lag_is_OK()
    {
        Commit((10, 100), (20, 110), (140, 140));
        _time.Advance(60_000);
        Assert.Equal(ConsumerLagStatus.Ok, _evaluator.Evaluate("g", "t", 0, currentLag: 0));
    }

    [Fact]
    public void An_offset_that_goes_back_is_ERROR()
    {
        Commit((50, 100), (60, 110), (20, 120));
        Assert.Equal(ConsumerLagStatus.Error, _evaluator.Evaluate("g", "t", 0, currentLag: 100));
    }

    [Fact]
    public void The_window_slides_so_a_recovered_consumer_returns_to_OK()
    {
        Commit((40, 100), (40, 110), (40, 120), (40, 130), (40, 140));
        Assert.Equal(ConsumerLagStatus.Stall, _evaluator.Evaluate("g", "t", 0, currentLag: 100));
        Commit((80, 140), (120, 140));
        Assert.Equal(3, _evaluator.Window("g", "t", 0).Count(c => c.Offset == 40));
        Commit((140, 140));
        Assert.Equal(ConsumerLagStatus.Ok, _evaluator.Evaluate("g", "t", 0, currentLag: 5));
        Assert.Equal(Window, _evaluator.Window("g", "t", 0).Count);
    }

    [Fact]
    public void A_group_is_as_bad_as_its_worst_partition_and_forgotten_groups_lose_their_windows()
    {
        Commit((10, 100), (20, 120), (30, 140));
        foreach (var _ in Enumerable.Range(0, 3))
        {
            _time.Advance(1000);
            _evaluator.RecordCommit("g", "t", 1, 7, 50);
        }
        Assert.Equal(ConsumerLagStatus.Stall, _evaluator.EvaluateGroup("g", [("t", 0, 110), ("t", 1, 43)]));
        _evaluator.Retain(group => group != "g");
        Assert.Empty(_evaluator.Window("g", "t", 1));
        Assert.Equal(ConsumerLagStatus.Ok, _evaluator.EvaluateGroup("g", [("t", 0, 110), ("t", 1, 43)]));
    }
}
