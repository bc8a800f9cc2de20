using Runnel.Raft.Log;

namespace Runnel.Raft.Tests.Log;

public sealed class EpochCacheTests
{
    private static EpochCache Cache()
    {
        var cache = new EpochCache();
        cache.Assign(1, 0);
        cache.Assign(1, 5);
        cache.Assign(3, 10);
        cache.Assign(4, 20);
        return cache;
    }

    [Theory]
    [InlineData(1, 10, 1)]
    [InlineData(2, 10, 1)]
    [InlineData(3, 20, 3)]
    [InlineData(4, 30, 4)]
    [InlineData(9, 30, 4)]
    [InlineData(0, -1, -1)]
    public void An_epoch_ends_where_the_next_begins(int epoch, long endOffset, int foundEpoch)
        => Assert.Equal(new OffsetAndEpoch(endOffset, foundEpoch), Cache().EndOffsetFor(epoch, 30, null));

    [Fact]
    public void Truncation_forgets_epochs_that_start_at_or_after_the_offset()
    {
        var cache = Cache();
        cache.TruncateFrom(10);
        Assert.Equal(1, cache.LastEpoch);
        Assert.Equal(new OffsetAndEpoch(10, 1), cache.EndOffsetFor(5, 10, null));
    }

    [Fact]
    public void A_snapshot_stands_for_the_epochs_it_replaced()
    {
        var cache = Cache();
        cache.TrimBefore(15);
        Assert.Equal(3, cache.EpochAt(15));
        Assert.Equal(-1, cache.EpochAt(14));
        Assert.Equal(new OffsetAndEpoch(15, 2), cache.EndOffsetFor(2, 30, new OffsetAndEpoch(15, 2)));
        Assert.Equal(new OffsetAndEpoch(-1, -1), cache.EndOffsetFor(1, 30, new OffsetAndEpoch(15, 2)));
    }

    [Fact]
    public void Epochs_never_go_back()
        => Assert.Throws<InvalidDataException>(() => Cache().Assign(2, 30));
}
