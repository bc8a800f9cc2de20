namespace Runnel.Raft;

/// <summary>One replica as the leader sees it (DescribeQuorum's ReplicaState).</summary>
public sealed record ReplicaDescription(int Id, long LogEndOffset, long LastFetchTimestamp, long LastCaughtUpTimestamp);

/// <summary>The quorum as this node sees it; complete (with every replica's progress) only on the leader.</summary>
public sealed record QuorumDescription(int? LeaderId, int Epoch, long HighWatermark, bool IsLeader,
    IReadOnlyList<ReplicaDescription> Voters, IReadOnlyList<ReplicaDescription> Observers);

public sealed partial class RaftNode
{
    /// <summary>What DescribeQuorum reports. Timestamps are in the clock the driver passes in.</summary>
    public QuorumDescription Describe()
    {
        if (_leaderState is not { } leader)
            return new QuorumDescription(LeaderId, _state.Epoch, _highWatermark, false, [], []);
        ReplicaDescription Of(int id, ReplicaProgress p) => id == _id
            ? new ReplicaDescription(id, _log.EndOffset, _now, _now)
            : new ReplicaDescription(id, p.EndOffset, p.LastFetchMs, p.LastCaughtUpMs);
        var voters = _voters.Ids.Select(id => Of(id, leader.Replicas[id])).ToList();
        var observers = leader.Replicas.Where(r => !_voters.Contains(r.Key)).OrderBy(r => r.Key).Select(r => Of(r.Key, r.Value)).ToList();
        return new QuorumDescription(_id, _state.Epoch, _highWatermark, true, voters, observers);
    }
}
