using System.Buffers.Binary;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Records;

public sealed class ControlRecordTests
{
    [Fact]
    public void End_transaction_markers_are_control_batches_only_the_broker_may_write()
    {
        using var writer = new KafkaWriter();
        var size = ControlRecord.WriteEndTransactionMarker(writer, commit: true, coordinatorEpoch: 17, producerId: 900, producerEpoch: 4, timestamp: 1234, baseOffset: 55, partitionLeaderEpoch: 6);
        var batch = writer.WrittenSpan.ToArray();
        Assert.Equal(batch.Length, size);

        var broker = new RecordBatchValidationOptions { FromClient = false };
        var result = RecordBatchValidator.Validate(batch, broker, out var info);
        Assert.True(result.IsValid, result.Message);
        Assert.True(info.IsControl);
        Assert.True(info.IsTransactional);
        Assert.Equal((900L, (short)4, -1), (info.ProducerId, info.ProducerEpoch, info.BaseSequence));

        var records = RecordBatch.ReadRecords(batch);
        Assert.True(records.MoveNext());
        Assert.Equal(55, records.Current.Offset);
        Assert.True(ControlRecord.TryReadType(records.Current.Key, out var type));
        Assert.Equal(ControlRecordType.Commit, type);
        Assert.True(ControlRecord.TryReadEndTransactionMarker(records.Current, out var commit, out var epoch));
        Assert.True(commit);
        Assert.Equal(17, epoch);
        Assert.False(records.MoveNext());
        Assert.Equal(RecordBatchError.None, records.Error);

        // Kafka checks a produced batch's baseOffset first, then refuses control batches from clients.
        Assert.Equal(RecordBatchError.InvalidBaseOffset, TestBatches.Validate(batch).Error);
        writer.Reset();
        ControlRecord.WriteEndTransactionMarker(writer, commit: false, coordinatorEpoch: 1, producerId: 1, producerEpoch: 0, timestamp: 5);
        var fromClient = TestBatches.Validate(writer.WrittenSpan);
        Assert.Equal(RecordBatchError.ControlBatchFromClient, fromClient.Error);
        Assert.Equal(ErrorCode.InvalidRecord, fromClient.ErrorCode);

        var abort = RecordBatch.ReadRecords(writer.WrittenSpan);
        Assert.True(abort.MoveNext());
        Assert.True(ControlRecord.TryReadEndTransactionMarker(abort.Current, out commit, out _));
        Assert.False(commit);
    }

    [Fact]
    public void Malformed_control_records_are_refused_even_from_the_broker()
    {
        var broker = new RecordBatchValidationOptions { FromClient = false };
        var control = new RecordBatchSettings { ProducerId = 3, ProducerEpoch = 0, IsTransactional = true, IsControl = true };

        var shortKey = TestBatches.Build([new TestRecord(1, [0, 0], [0, 0, 0, 0, 0, 1], [])], control);
        var result = TestBatches.Validate(shortKey, broker);
        Assert.Equal(RecordBatchError.InvalidControlRecord, result.Error);
        Assert.Equal(ErrorCode.InvalidRecord, result.ErrorCode);

        var shortValue = TestBatches.Build([new TestRecord(1, [0, 0, 0, 1], [0, 0, 0], [])], control);
        Assert.Equal(RecordBatchError.InvalidControlRecord, TestBatches.Validate(shortValue, broker).Error);

        var outsideTransaction = TestBatches.Build([new TestRecord(1, [0, 0, 0, 0], [0, 0, 0, 0, 0, 1], [])], control with { IsTransactional = false });
        Assert.Equal(RecordBatchError.InvalidControlRecord, TestBatches.Validate(outsideTransaction, broker).Error);

        // Control types this broker does not know (KRaft's, future ones) pass, as readers skip them.
        var leaderChange = TestBatches.Build([new TestRecord(1, [0, 0, 0, 2], [1, 2, 3], [])], control with { IsTransactional = false, ProducerId = -1 });
        Assert.True(TestBatches.Validate(leaderChange, broker).IsValid);
        var records = RecordBatch.ReadRecords(leaderChange);
        Assert.True(records.MoveNext());
        Assert.True(ControlRecord.TryReadType(records.Current.Key, out var type));
        Assert.Equal(ControlRecordType.LeaderChange, type);
        Assert.False(ControlRecord.TryReadEndTransactionMarker(records.Current, out _, out _));
        Assert.Equal(2, BinaryPrimitives.ReadInt16BigEndian(records.Current.Key[2..]));
    }
}
