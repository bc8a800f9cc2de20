using Runnel.Protocol;
using Runnel.Storage.Producers;

namespace Runnel.Storage.Tests.Producers;

public sealed class ProducerStateManagerTests
{
    private static ProducerBatch Batch(int first, int last, short epoch = 0, long producer = 7) => new(producer, epoch, first, last);

    /// <summary>The state change of an appended batch of <paramref name="batch"/>'s sequences at <paramref name="firstOffset"/>.</summary>
    private static void Record(ProducerStateManager table, ProducerBatch batch, long firstOffset)
    {
        var delta = (int)((((long)batch.LastSequence - batch.FirstSequence) + int.MaxValue + 1) % ((long)int.MaxValue + 1));
        table.OnDataBatch(batch.ProducerId, batch.Epoch, batch.FirstSequence, delta, firstOffset, maxTimestamp: 1_000, transactional: false);
    }

    [Fact]
    public void A_retried_batch_among_the_last_five_is_a_duplicate_with_its_original_offset()
    {
        var table = new ProducerStateManager();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(SequenceCheck.Accept, table.Check(Batch(i * 10, i * 10 + 9)));
            Record(table, Batch(i * 10, i * 10 + 9), 1000 + i * 10);
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
        var table = new ProducerStateManager();
        Record(table, Batch(0, 4), 0);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, table.Check(Batch(6, 8)).Error);
        Assert.Equal(ErrorCode.None, table.Check(Batch(5, 8)).Error);
    }

    [Fact]
    public void An_older_epoch_is_fenced_and_a_newer_one_must_start_at_zero()
    {
        var table = new ProducerStateManager();
        Record(table, Batch(0, 4, epoch: 3), 0);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, table.Check(Batch(5, 6, epoch: 2)).Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, table.Check(Batch(5, 6, epoch: 4)).Error);
        Assert.Equal(ErrorCode.None, table.Check(Batch(0, 6, epoch: 4)).Error);
        Record(table, Batch(0, 6, epoch: 4), 10);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, table.Check(Batch(5, 6, epoch: 3)).Error);
    }

    [Fact]
    public void Sequences_wrap_after_int_max_value()
    {
        var table = new ProducerStateManager();
        Record(table, Batch(int.MaxValue - 1, int.MaxValue), 0);
        Assert.Equal(ErrorCode.None, table.Check(Batch(0, 3)).Error);
    }

    [Fact]
    public void Producers_are_independent_and_unknown_ones_are_accepted()
    {
        var table = new ProducerStateManager();
        Record(table, Batch(0, 4, producer: 1), 0);
        Assert.Equal(ErrorCode.None, table.Check(Batch(40, 44, producer: 2)).Error);
        Assert.Equal(ErrorCode.None, table.Check(Batch(5, 5, producer: 1)).Error);
    }
}
