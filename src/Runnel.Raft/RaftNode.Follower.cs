using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Raft.Log;
using Runnel.Raft.Messages;

namespace Runnel.Raft;

/// <summary>The follower: fetches from the leader, truncates where it diverges, downloads snapshots.</summary>
public sealed partial class RaftNode
{
    private int? _fetchInFlight;
    private long _fetchDeadline = long.MaxValue;
    private long _nextFetchAt;

    /// <summary>When the leader last answered us; pre-votes are refused while this is recent (not the fetch deadline,
    /// which a failed pre-vote round resets without any word from the leader).</summary>
    private long _lastLeaderContact = long.MinValue / 2;

    /// <summary>The leader (and its epoch) last found refusing connections; cleared when it answers a fetch.</summary>
    private (int Leader, int Epoch)? _downLeader;
    private SnapshotDownload? _download;

    private sealed class SnapshotDownload(OffsetAndEpoch id)
    {
        public OffsetAndEpoch Id { get; } = id;

        public MemoryStream Data { get; } = new();

        public int? InFlight { get; set; }
    }

    private void PollFollower()
    {
        if (_now >= _fetchDeadline)
        {
            if (IsVoter && !_state.Recovering)
                StartProspective();
            else
                LoseLeader();
            return;
        }
        // Durable before the next fetch: its offset tells the leader we hold everything below it.
        if (_log.FlushedOffset < _log.EndOffset)
            _log.Flush();
        if (_download is { } download)
        {
            if (download.InFlight is null || !_outstanding.ContainsKey(download.InFlight.Value))
            {
                download.InFlight = Send(_state.LeaderId!.Value, ApiKey.FetchSnapshot,
                    RaftRequests.FetchSnapshot(_config.ClusterId, _id, _state.Epoch, download.Id, download.Data.Length, _config.SnapshotChunkBytes));
            }
            return;
        }
        if (_fetchInFlight is null && _now >= _nextFetchAt)
        {
            _fetchInFlight = Send(_state.LeaderId!.Value, ApiKey.Fetch,
                RaftRequests.Fetch(_config.ClusterId, _id, _state.Epoch, LastPosition, _config.FetchMaxWaitMs, _config.FetchMaxBytes));
        }
    }

    /// <summary>
    /// This epoch's leader refused a connection: its process is gone. The follower acts as on a fetch timeout, but
    /// soon: the remaining voters in id order, a third of an election timeout apart (with a little jitter), so the
    /// first usually wins its pre-vote without a split. It also stops counting the leader as alive, so it grants the
    /// others' pre-votes. Safety does not rest on the report: an election still needs a majority's pre-votes, and
    /// voters still hearing from a live leader refuse them (a firewall that rejects, say, fools only this node).
    /// </summary>
    private void LeaderDown(int leader)
    {
        var rank = Math.Max(0, _voters.Ids.Where(v => v != leader).Order().ToList().IndexOf(_id));
        var delay = 2 * _config.RetryBackoffMs + rank * _config.ElectionTimeoutMs / Math.Max(1, _voters.Count) + _random.Next(Math.Max(1, _config.RetryBackoffMs));
        if (_now + delay < _fetchDeadline)
        {
            _logger.LogInformation("Node {Id}: leader {Leader} of epoch {Epoch} refuses connections; campaigning in {Delay} ms", _id, leader, _state.Epoch, delay);
            _fetchDeadline = _now + delay;
        }
        _lastLeaderContact = long.MinValue / 2;
        _downLeader = (leader, _state.Epoch);
    }

    /// <summary>A non-voter (or recovering voter) whose leader went quiet: it looks for the leader instead of campaigning.</summary>
    private void LoseLeader()
    {
        LeaveRole();
        _role = RaftRole.Unattached;
        _electionDeadline = _now + RandomElectionTimeout();
    }

    private void HandleFetchResponse(RaftMessage message, FetchResponse response, Outstanding sent)
    {
        var isCurrent = message.CorrelationId == _fetchInFlight;
        if (isCurrent)
        {
            _fetchInFlight = null;
            _nextFetchAt = _now + _config.RetryBackoffMs;
        }
        if (RaftRequests.Single(response) is not { } p)
            return;
        Heard(message.Source, p.CurrentLeader.LeaderEpoch);
        if ((ErrorCode)p.ErrorCode != ErrorCode.None || sent.IsProbe || !isCurrent)
        {
            if (p.CurrentLeader.LeaderEpoch >= _state.Epoch)
                ObserveLeader(p.CurrentLeader.LeaderEpoch, p.CurrentLeader.LeaderId);
            return;
        }
        if (_role != RaftRole.Follower || message.Source != _state.LeaderId || sent.Epoch != _state.Epoch)
            return;
        _fetchDeadline = _now + _config.FetchTimeoutMs;
        _lastLeaderContact = _now;
        _downLeader = null;
        _nextFetchAt = _now;
        if (p.DivergingEpoch.EndOffset >= 0)
            TruncateDiverging(new OffsetAndEpoch(p.DivergingEpoch.EndOffset, p.DivergingEpoch.Epoch));
        else if (p.SnapshotId.EndOffset >= 0)
            _download = new SnapshotDownload(new OffsetAndEpoch(p.SnapshotId.EndOffset, p.SnapshotId.Epoch));
        else
            AppendFetched(p);
    }

    /// <summary>
    /// Cuts the log back to where it last agrees with the leader: the end of the leader's epoch, or of our own copy
    /// of that epoch if shorter. Never below the high watermark: that data is committed and the leader has it.
    /// </summary>
    private void TruncateDiverging(OffsetAndEpoch leaderEnd)
    {
        var own = _log.EndOffsetForEpoch(leaderEnd.Epoch);
        var to = Math.Max(_log.StartOffset, Math.Min(leaderEnd.Offset, own.Epoch < 0 ? _log.StartOffset : own.Offset));
        if (to < _highWatermark)
            throw new RaftInvariantException($"Node {_id} would truncate to {to}, below its high watermark {_highWatermark} (leader says {leaderEnd}).");
        if (to < _log.EndOffset)
            _log.TruncateTo(to);
    }

    private void AppendFetched(FetchResponse.PartitionData p)
    {
        if (p.Records is { Length: > 0 } records)
        {
            var span = records.Span;
            var position = 0;
            foreach (var info in BatchHeaders.Walk(span))
            {
                var batch = span.Slice(position, info.Size);
                position += info.Size;
                if (info.LastOffset < _log.EndOffset)
                    continue;
                if (info.BaseOffset != _log.EndOffset || info.Epoch > _state.Epoch || !BatchHeaders.IsIntact(batch))
                    throw new InvalidDataException($"Node {_id}: batch {info} does not continue the log at {_log.EndOffset} in epoch {_state.Epoch}.");
                _log.Append(batch);
            }
        }
        if (p.HighWatermark >= 0)
        {
            // The fetch was valid, so our log matches the leader's up to its end; what the leader calls committed and
            // we hold is committed here too.
            var hw = Math.Min(p.HighWatermark, _log.EndOffset);
            if (hw > _highWatermark)
                _highWatermark = hw;
            if (_state.Recovering && _log.EndOffset >= p.HighWatermark)
                _recoveryTarget = Math.Max(_recoveryTarget, p.HighWatermark);
        }
    }

    private void HandleFetchSnapshotResponse(RaftMessage message, FetchSnapshotResponse response, Outstanding sent)
    {
        if (_download is not { } download || download.InFlight != message.CorrelationId)
            return;
        download.InFlight = null;
        if (RaftRequests.Single(response) is not { } p)
            return;
        Heard(message.Source, p.CurrentLeader.LeaderEpoch);
        var id = new OffsetAndEpoch(p.SnapshotId.EndOffset, p.SnapshotId.Epoch);
        if ((ErrorCode)p.ErrorCode != ErrorCode.None || id != download.Id || sent.Epoch != _state.Epoch || _role != RaftRole.Follower)
        {
            // The leader moved on (a newer snapshot, a new epoch): start over from a fetch.
            _download = null;
            _nextFetchAt = _now + _config.RetryBackoffMs;
            if (p.CurrentLeader.LeaderEpoch >= _state.Epoch)
                ObserveLeader(p.CurrentLeader.LeaderEpoch, p.CurrentLeader.LeaderId);
            return;
        }
        _fetchDeadline = _now + _config.FetchTimeoutMs;
        _lastLeaderContact = _now;
        if (p.Position != download.Data.Length || p.UnalignedRecords is not { } chunk)
            return;
        download.Data.Write(chunk.Span);
        if (download.Data.Length < p.Size)
            return;
        InstallSnapshot(download.Id, download.Data.ToArray());
        _download = null;
    }

    /// <summary>Replaces log and state with the leader's snapshot; it holds only committed data, so it is committed here too.</summary>
    private void InstallSnapshot(OffsetAndEpoch id, byte[] data)
    {
        if (id.Offset < _applied)
            throw new RaftInvariantException($"Node {_id}: snapshot {id} is behind what it applied ({_applied}).");
        _log.InstallSnapshot(id, data);
        _machine.LoadSnapshot(id, data);
        _applied = id.Offset;
        _highWatermark = Math.Max(_highWatermark, id.Offset);
    }
}
