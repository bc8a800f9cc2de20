using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Raft.Messages;

namespace Runnel.Raft;

/// <summary>Serving Fetch and FetchSnapshot: the leader side of replication.</summary>
public sealed partial class RaftNode
{
    private enum FetchValidity
    {
        Valid,
        Diverging,
        Snapshot,
    }

    private void HandleFetch(RaftMessage message, FetchRequest request)
    {
        if (RaftRequests.Single(request) is not { } p || WrongCluster(request.ClusterId))
        {
            Reply(message, FetchError(WrongCluster(request.ClusterId) ? ErrorCode.InconsistentClusterId : ErrorCode.InvalidRequest));
            return;
        }
        var error = CheckLeaderEpoch(p.CurrentLeaderEpoch);
        if (error != ErrorCode.None)
        {
            Reply(message, FetchError(error));
            return;
        }
        var replica = RaftRequests.FetchReplica(request);
        var progress = ProgressOf(replica);
        progress.LastFetchMs = _now;
        AnswerFetch(message, request, allowPark: request.MaxWaitMs > 0);
    }

    /// <summary>FENCED_LEADER_EPOCH for a stale epoch, UNKNOWN_LEADER_EPOCH for one we have not reached, NOT_LEADER when not leading.</summary>
    private ErrorCode CheckLeaderEpoch(int epoch)
    {
        if (epoch < _state.Epoch)
            return ErrorCode.FencedLeaderEpoch;
        if (epoch > _state.Epoch)
            return ErrorCode.UnknownLeaderEpoch;
        return _role == RaftRole.Leader ? ErrorCode.None : ErrorCode.NotLeaderOrFollower;
    }

    private void AnswerFetch(RaftMessage message, FetchRequest request, bool allowPark = false)
    {
        if (_role != RaftRole.Leader || RaftRequests.Single(request) is not { } p)
        {
            Reply(message, FetchError(ErrorCode.NotLeaderOrFollower));
            return;
        }
        var replica = RaftRequests.FetchReplica(request);
        var position = new OffsetAndEpoch(p.FetchOffset, p.LastFetchedEpoch);
        var partition = new FetchResponse.PartitionData { LogStartOffset = _log.StartOffset, Records = ReadOnlyMemory<byte>.Empty };
        FillLeader(partition);
        switch (Validate(position, out var answer))
        {
            case FetchValidity.Diverging:
                partition.DivergingEpoch = new() { Epoch = answer.Epoch, EndOffset = answer.Offset };
                break;
            case FetchValidity.Snapshot:
                partition.SnapshotId = new() { EndOffset = answer.Offset, Epoch = answer.Epoch };
                break;
            default:
                var progress = ProgressOf(replica);
                progress.EndOffset = position.Offset;
                if (position.Offset >= _log.EndOffset)
                    progress.LastCaughtUpMs = _now;
                if (_voters.Contains(replica))
                    MaybeAdvanceHighWatermark();
                var records = _log.Read(position.Offset, Math.Min(_config.FetchMaxBytes, Math.Max(1, p.PartitionMaxBytes)));
                if (records.Length == 0 && allowPark && progress.LastSentHighWatermark == _highWatermark)
                {
                    _leaderState!.Parked.Add((message, _now + Math.Min(request.MaxWaitMs, _config.FetchMaxWaitMs)));
                    return;
                }
                progress.LastSentHighWatermark = _highWatermark;
                partition.Records = records;
                break;
        }
        partition.HighWatermark = _highWatermark;
        Reply(message, RaftRequests.FetchReply(partition));
    }

    /// <summary>
    /// Checks a follower's position against this log (Kafka's validateOffsetAndEpoch): valid when its last epoch ends
    /// at or after its offset here; diverging (with where that epoch really ends) when not; a snapshot when the
    /// position is below what the log still holds.
    /// </summary>
    private FetchValidity Validate(OffsetAndEpoch position, out OffsetAndEpoch answer)
    {
        answer = default;
        var snapshot = _log.LatestSnapshot;
        if (position.Offset == 0 && position.Epoch == 0 && _log.StartOffset == 0)
            return FetchValidity.Valid;
        var startEpoch = _log.StartEpoch;
        if (snapshot is { } s && (position.Offset < _log.StartOffset || (position.Offset == _log.StartOffset && position.Epoch != startEpoch) || position.Epoch < startEpoch))
        {
            answer = s;
            return FetchValidity.Snapshot;
        }
        var end = _log.EndOffsetForEpoch(position.Epoch);
        if (end.Epoch < 0)
        {
            if (snapshot is { } known)
            {
                answer = known;
                return FetchValidity.Snapshot;
            }
            answer = new OffsetAndEpoch(_log.StartOffset, -1);
            return FetchValidity.Diverging;
        }
        if (end.Epoch != position.Epoch || end.Offset < position.Offset)
        {
            answer = end;
            return FetchValidity.Diverging;
        }
        return FetchValidity.Valid;
    }

    private void HandleFetchSnapshot(RaftMessage message, FetchSnapshotRequest request)
    {
        var partition = new FetchSnapshotResponse.PartitionSnapshot { UnalignedRecords = ReadOnlyMemory<byte>.Empty };
        partition.CurrentLeader.LeaderId = LeaderId ?? -1;
        partition.CurrentLeader.LeaderEpoch = _state.Epoch;
        if (RaftRequests.Single(request) is not { } p || WrongCluster(request.ClusterId))
        {
            partition.ErrorCode = (short)(WrongCluster(request.ClusterId) ? ErrorCode.InconsistentClusterId : ErrorCode.InvalidRequest);
            Reply(message, RaftRequests.FetchSnapshotReply(partition));
            return;
        }
        partition.SnapshotId = new() { EndOffset = p.SnapshotId.EndOffset, Epoch = p.SnapshotId.Epoch };
        var error = CheckLeaderEpoch(p.CurrentLeaderEpoch);
        var id = new OffsetAndEpoch(p.SnapshotId.EndOffset, p.SnapshotId.Epoch);
        var size = _log.SnapshotSize(id);
        if (error == ErrorCode.None && size < 0)
            error = ErrorCode.SnapshotNotFound;
        if (error == ErrorCode.None && (p.Position < 0 || p.Position > size))
            error = ErrorCode.PositionOutOfRange;
        partition.ErrorCode = (short)error;
        if (error == ErrorCode.None)
        {
            ProgressOf(request.ReplicaId).LastFetchMs = _now;
            var chunk = new byte[(int)Math.Min(size - p.Position, Math.Min(_config.SnapshotChunkBytes, Math.Max(1, request.MaxBytes)))];
            var read = _log.ReadSnapshot(id, p.Position, chunk);
            partition.Size = size;
            partition.Position = p.Position;
            partition.UnalignedRecords = chunk.AsMemory(0, read);
        }
        Reply(message, RaftRequests.FetchSnapshotReply(partition));
    }

    private FetchResponse FetchError(ErrorCode error)
    {
        var partition = new FetchResponse.PartitionData { ErrorCode = (short)error, HighWatermark = -1, Records = ReadOnlyMemory<byte>.Empty };
        FillLeader(partition);
        return RaftRequests.FetchReply(partition);
    }

    private void FillLeader(FetchResponse.PartitionData partition)
    {
        partition.CurrentLeader.LeaderId = LeaderId ?? -1;
        partition.CurrentLeader.LeaderEpoch = _state.Epoch;
    }

    /// <summary>The leader's record of a replica; observers (non-voters) are tracked too but never counted.</summary>
    private ReplicaProgress ProgressOf(int replica)
    {
        var replicas = _leaderState!.Replicas;
        if (!replicas.TryGetValue(replica, out var progress))
            replicas[replica] = progress = new ReplicaProgress();
        return progress;
    }
}
