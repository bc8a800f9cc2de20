using Runnel.Raft.Log;

namespace Runnel.Raft;

/// <summary>
/// What the quorum replicates into: called by the core, on the core's thread, never re-entrantly. Committed batches
/// arrive once each and in offset order, starting right after the snapshot the node loaded; a snapshot replaces
/// everything applied so far (at start-up, or when a follower that fell behind installs the leader's).
/// </summary>
public interface IRaftStateMachine
{
    /// <summary>A committed batch (data or control); <paramref name="batch"/> is valid only during the call.</summary>
    void Apply(BatchInfo info, ReadOnlySpan<byte> batch);

    /// <summary>Replaces the whole state with the snapshot that ends before <paramref name="id"/>.Offset.</summary>
    void LoadSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data);

    /// <summary>The epoch or its leader changed (leader null while unknown).</summary>
    void OnLeaderChange(int epoch, int? leaderId);
}
