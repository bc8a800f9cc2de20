using Runnel.Broker.Producers;
using Runnel.Protocol;

namespace Runnel.Broker.Tests.Producers;

public sealed class ProducerStateTableTests
{
    private static ProducerBatch Batch(int first, int last, short epoch = 0, long producer = 7) => new(producer, epoch, first, last);

    [Fact]
    public void A_retried_batch_among_the_last_five_is_a_duplicate_with_its_original_offset()
    {
        var table = new ProducerStateTable();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(SequenceCheck.Accept, table.Check(Batch(i * 10, i * 10 + 9)));
            table.Record(Batch(i * 10, i * 10 + 9), 1000 + i * 10);
        }
        var retry = table.Check(Batch(30, 39));
        Assert.True(retry.IsDuplicate);
        Assert.Equal(1030, retry.DuplicateOfOffset);
        // The oldest batch fell out of the five remembered: its retry is out of order, not silently appended.
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, table.Check(Batch(0, 9)).Error);
    }

    [Fact]
    public void A_gap_in_the_sequence_is_out_of_order()
    {
        var table = new ProducerStateTable();
        table.Record(Batch(0, 4), 0);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, table.Check(Batch(6, 8)).Error);
        Assert.Equal(ErrorCode.None, table.Check(Batch(5, 8)).Error);
    }

    [Fact]
    public void An_older_epoch_is_fenced_and_a_newer_one_must_start_at_zero()
    {
        var table = new ProducerStateTable();
        table.Record(Batch(0, 4, epoch: 3), 0);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, table.Check(Batch(5, 6, epoch: 2)).Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, table.Check(Batch(5, 6, epoch: 4)).Error);
        Assert.Equal(ErrorCode.None, table.Check(Batch(0, 6, epoch: 4)).Error);
        table.Record(Batch(0, 6, epoch: 4), 10);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, table.Check(Batch(5, 6, epoch: 3)).Error);
    }

    [Fact]
    public void Sequences_wrap_after_int_max_value()
    {
        var table = new ProducerStateTable();
        table.Record(Batch(int.MaxValue - 1, int.MaxValue), 0);
        Assert.Equal(ErrorCode.None, table.Check(Batch(0, 3)).Error);
    }

    [Fact]
    public void Producers_are_independent_and_unknown_ones_are_accepted()
    {
        var table = new ProducerStateTable();
        table.Record(Batch(0, 4, producer: 1), 0);
        Assert.Equal(ErrorCode.None, table.Check(Batch(40, 44, producer: 2)).Error);
        Assert.Equal(ErrorCode.None, table.Check(Batch(5, 5, producer: 1)).Error);
    }
}
