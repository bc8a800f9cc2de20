namespace Runnel.Raft.State;

/// <summary>
/// What a node must remember across a crash to stay safe: the newest epoch it has seen, whom it voted for in it and
/// the leader it learned for it. Written and fsynced before the node acts on it: before a vote is granted, before a
/// candidate asks for votes, before a follower fetches in a new epoch.
/// </summary>
public sealed record ElectionState(int Epoch, int? VotedId, int? LeaderId)
{
    /// <summary>
    /// Set while the node is recovering from lost state (a new or wiped disk): it may not vote or campaign until it
    /// has heard every other voter's epoch and caught up with a leader (see RaftNode.Recovery).
    /// </summary>
    public bool Recovering { get; init; }

    /// <summary>The node grants votes and campaigns only in epochs above this (the epochs it heard while recovering).</summary>
    public int VoteFloor { get; init; }

    public static ElectionState Fresh => new(0, null, null) { Recovering = true };

    public override string ToString()
        => $"epoch {Epoch}, voted {VotedId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, leader {LeaderId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}{(Recovering ? ", recovering" : "")}";
}

/// <summary>The durable home of <see cref="ElectionState"/>. <see cref="Write"/> returns only once the state survives a crash.</summary>
public interface IQuorumStateStore
{
    /// <summary>The stored state, or null when none was ever written (a new or wiped disk).</summary>
    ElectionState? Read();

    void Write(ElectionState state);
}

/// <summary>A store in memory whose writes count as durable at once; the simulation wipes it to model a lost disk.</summary>
public sealed class MemoryQuorumStateStore : IQuorumStateStore
{
    private ElectionState? _state;

    public ElectionState? Read() => _state;

    public void Write(ElectionState state) => _state = state;

    public void Wipe() => _state = null;
}
