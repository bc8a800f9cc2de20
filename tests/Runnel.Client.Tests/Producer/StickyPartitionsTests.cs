using Runnel.Client.Producer;

namespace Runnel.Client.Tests.Producer;

public class StickyPartitionsTests
{
    [Fact]
    public void Unkeyed_records_stay_on_one_partition_until_its_batch_closes_then_move_to_the_next()
    {
        var sticky = new StickyPartitions(new Random(7));
        var first = sticky.Next("t", 3);
        Assert.InRange(first, 0, 2);
        Assert.Equal(first, sticky.Next("t", 3));

        sticky.BatchClosed("t", first, 3);
        var second = sticky.Next("t", 3);
        Assert.Equal((first + 1) % 3, second);

        sticky.BatchClosed("t", second, 3);
        sticky.BatchClosed("t", (second + 1) % 3, 3);
        Assert.Equal((second + 2) % 3, sticky.Next("t", 3));
    }

    [Fact]
    public void Closing_another_partitions_batch_does_not_move_the_sticky_choice()
    {
        var sticky = new StickyPartitions(new Random(1));
        var current = sticky.Next("t", 4);
        sticky.BatchClosed("t", (current + 1) % 4, 4);
        Assert.Equal(current, sticky.Next("t", 4));
    }

    [Fact]
    public void Topics_are_independent_and_a_shrunken_count_picks_again_in_range()
    {
        var sticky = new StickyPartitions(new Random(3));
        var a = sticky.Next("a", 100);
        sticky.Next("b", 2);
        Assert.Equal(a, sticky.Next("a", 100));
        Assert.InRange(sticky.Next("a", 1), 0, 0);
    }
}
