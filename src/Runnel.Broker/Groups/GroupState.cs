namespace Runnel.Broker.Groups;

/// <summary>
/// The states of a classic group, as Kafka names them (DescribeGroups and ListGroups report these strings).
/// Empty → PreparingRebalance → CompletingRebalance → Stable, back to PreparingRebalance on any membership or
/// metadata change, and Dead once the group is deleted or its last offsets expire.
/// </summary>
internal enum GroupState
{
    /// <summary>No members; offsets may remain. A new member starts the initial (delayed) rebalance.</summary>
    Empty,

    /// <summary>Waiting for every known member to (re)send JoinGroup before the next generation starts.</summary>
    PreparingRebalance,

    /// <summary>The generation exists; waiting for the leader's SyncGroup with the assignment.</summary>
    CompletingRebalance,

    /// <summary>Every member has its assignment; heartbeats keep the generation alive.</summary>
    Stable,

    /// <summary>Removed from the coordinator; a request that still holds it answers COORDINATOR_NOT_AVAILABLE.</summary>
    Dead,
}

internal static class GroupStates
{
    public static string Name(this GroupState state) => state switch
    {
        GroupState.Empty => "Empty",
        GroupState.PreparingRebalance => "PreparingRebalance",
        GroupState.CompletingRebalance => "CompletingRebalance",
        GroupState.Stable => "Stable",
        _ => "Dead",
    };

    /// <summary>Parses a ListGroups state filter, which Kafka matches without regard to case.</summary>
    public static GroupState? Parse(string name)
    {
        foreach (var state in Enum.GetValues<GroupState>())
        {
            if (string.Equals(state.Name(), name, StringComparison.OrdinalIgnoreCase))
                return state;
        }
        return null;
    }

    /// <summary>Kafka's allowed transitions: each state lists the states it may be entered from.</summary>
    public static bool CanEnter(this GroupState target, GroupState from) => target switch
    {
        GroupState.Empty => from == GroupState.PreparingRebalance,
        GroupState.PreparingRebalance => from is GroupState.Stable or GroupState.CompletingRebalance or GroupState.Empty,
        GroupState.CompletingRebalance => from == GroupState.PreparingRebalance,
        GroupState.Stable => from == GroupState.CompletingRebalance,
        _ => true,
    };
}
