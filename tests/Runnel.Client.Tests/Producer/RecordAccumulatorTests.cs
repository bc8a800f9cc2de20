using System.Text;
using Runnel.Client.Producer;
using Runnel.Client.Tests.Support;

namespace Runnel.Client.Tests.Producer;

public class RecordAccumulatorTests
{
    private readonly ManualTime _time = new();

    private RecordAccumulator Create(int batchSize = 16 * 1024, int lingerMs = 5)
        => new(new ProducerOptions { BatchSize = batchSize, Linger = TimeSpan.FromMilliseconds(lingerMs) }, _time, new StickyPartitions(new Random(0)));

    private static TaskCompletionSource<DeliveryResult> Completion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static ProducerRecord Record(string value, string? key = null)
        => new("t", key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

    [Fact]
    public void A_batch_waits_for_linger_then_drains()
    {
        var accumulator = Create(lingerMs: 10);
        Assert.True(accumulator.Append(new("t", 0), 1, Record("a"), Completion()));
        Assert.False(accumulator.Append(new("t", 0), 1, Record("b"), Completion()));

        Assert.Empty(accumulator.Drain(all: false));
        Assert.Equal(TimeSpan.FromMilliseconds(10), accumulator.TimeUntilNextDue());

        _time.Advance(TimeSpan.FromMilliseconds(9));
        Assert.Empty(accumulator.Drain(all: false));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var batch = Assert.Single(accumulator.Drain(all: false));
        Assert.Equal(2, batch.RecordCount);
        Assert.True(batch.IsClosed);
        Assert.True(accumulator.IsEmpty);
        Assert.Null(accumulator.TimeUntilNextDue());
    }

    [Fact]
    public void Flush_drains_open_batches_without_waiting_for_linger()
    {
        var accumulator = Create(lingerMs: 60_000);
        accumulator.Append(new("t", 0), 2, Record("a"), Completion());
        accumulator.Append(new("t", 1), 2, Record("b"), Completion());
        Assert.Empty(accumulator.Drain(all: false));
        Assert.Equal(2, accumulator.Drain(all: true).Count);
    }

    [Fact]
    public void A_full_batch_is_ready_at_once_and_the_next_record_opens_a_new_one()
    {
        var accumulator = Create(batchSize: 200, lingerMs: 60_000);
        var value = new string('x', 60);
        for (var i = 0; i < 6; i++)
            accumulator.Append(new("t", 0), 1, Record(value), Completion());

        var ready = accumulator.Drain(all: false);
        Assert.NotEmpty(ready);
        Assert.All(ready, b => Assert.True(b.Bytes.Length <= 200 + 100));
        Assert.Equal(6, ready.Sum(b => b.RecordCount) + accumulator.Drain(all: true).Sum(b => b.RecordCount));
    }

    [Fact]
    public void A_record_bigger_than_the_batch_size_goes_alone()
    {
        var accumulator = Create(batchSize: 100, lingerMs: 60_000);
        accumulator.Append(new("t", 0), 1, Record(new string('x', 500)), Completion());
        var batch = Assert.Single(accumulator.Drain(all: false));
        Assert.Equal(1, batch.RecordCount);
    }

    [Fact]
    public void Partitions_are_chosen_explicitly_by_key_or_sticky()
    {
        var accumulator = Create();
        Assert.Equal(2, accumulator.ChoosePartition(new ProducerRecord("t", null) { Partition = 2 }, 3));
        Assert.Equal(0, accumulator.ChoosePartition(Record("v", key: "21"), 3)); // Java: murmur2("21") → 0 of 3
        Assert.Equal(2, accumulator.ChoosePartition(Record("v", key: "foobar"), 4));
        var sticky = accumulator.ChoosePartition(Record("v"), 3);
        Assert.Equal(sticky, accumulator.ChoosePartition(Record("w"), 3));
        var error = Assert.Throws<RunnelException>(() => accumulator.ChoosePartition(new ProducerRecord("t", null) { Partition = 3 }, 3));
        Assert.Equal(Protocol.ErrorCode.UnknownTopicOrPartition, error.ErrorCode);
    }

    [Fact]
    public void Closing_a_batch_moves_unkeyed_records_to_the_next_partition()
    {
        var accumulator = Create(lingerMs: 0);
        var first = accumulator.ChoosePartition(Record("a"), 3);
        accumulator.Append(new("t", first), 3, Record("a"), Completion());
        accumulator.Drain(all: false);
        Assert.Equal((first + 1) % 3, accumulator.ChoosePartition(Record("b"), 3));
    }

    [Fact]
    public void Requeued_batches_come_back_first_in_their_order()
    {
        var accumulator = Create(lingerMs: 0);
        accumulator.Append(new("t", 0), 3, Record("a"), Completion());
        accumulator.Append(new("t", 1), 3, Record("b"), Completion());
        var first = accumulator.Drain(all: false);
        accumulator.Append(new("t", 2), 3, Record("c"), Completion());
        accumulator.Requeue(first);
        Assert.Equal([0, 1, 2], accumulator.Drain(all: false).Select(b => b.Partition.Partition));
    }
}
