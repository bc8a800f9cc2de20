using Runnel.Broker.Groups;
using Runnel.Protocol;

namespace Runnel.Broker.Tests.Groups;

/// <summary>
/// A rebalance timeout of 0 as Kafka's group coordinator takes it: the join and sync timers run with no wait, so
/// members that have not synced the moment the join phase ends are removed. From JoinGroup v1 a negative timeout is
/// taken as sent (the group's timeout is at least 0); only v0, which has none, uses the session timeout.
/// </summary>
public sealed class RebalanceTimeoutTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task At_zero_or_below_a_member_that_has_not_synced_when_the_join_phase_ends_is_removed(int rebalanceMs)
    {
        var h = new GroupHarness();
        var join = await h.JoinNew(rebalanceMs: rebalanceMs);
        // The join phase ends, and with no wait the sync phase expires right behind it (the group never stabilises,
        // as in Kafka: KAFKA-8653's rebalance loop).
        h.Time.Advance(0);
        var joined = await join;
        Assert.Equal(((short)ErrorCode.None, 1), (joined.ErrorCode, joined.GenerationId));
        Assert.Equal(GroupState.Empty, h.State);
        Assert.Equal(ErrorCode.UnknownMemberId, (ErrorCode)(await h.Sync(joined, (joined.MemberId, [1]))).ErrorCode);
    }

    [Fact]
    public async Task A_rebalance_timeout_of_a_second_leaves_a_second_to_sync()
    {
        var h = new GroupHarness();
        var join = await h.JoinNew(rebalanceMs: 1_000);
        h.Time.Advance(0);
        var joined = await join;
        h.Time.Advance(999);
        Assert.Equal(GroupState.CompletingRebalance, h.State);
        Assert.Equal((short)ErrorCode.None, (await h.Sync(joined, (joined.MemberId, [1]))).ErrorCode);
        h.Time.Advance(1);
        Assert.Equal(GroupState.Stable, h.State);
    }

    [Fact]
    public async Task A_v0_join_has_the_session_timeout_as_its_rebalance_timeout()
    {
        var h = new GroupHarness();
        var join = h.Join(version: 0, sessionMs: 5_000, rebalanceMs: 0);
        h.Time.Advance(0);
        var first = await join;
        Assert.Equal((short)ErrorCode.None, first.ErrorCode);
        Assert.Equal((short)ErrorCode.None, (await h.Sync(first, (first.MemberId, [1]))).ErrorCode);
        var newcomer = h.Join(version: 0, sessionMs: 5_000);
        h.Time.Advance(4_999);
        Assert.False(newcomer.IsCompleted);
        h.Time.Advance(1);
        Assert.Equal(2, (await newcomer).GenerationId);
    }
}
