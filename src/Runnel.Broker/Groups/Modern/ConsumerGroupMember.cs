namespace Runnel.Broker.Groups.Modern;

/// <summary>Where a KIP-848 member is in its reconciliation (Kafka's MemberState; the byte is what the records store).</summary>
internal enum MemberState : sbyte
{
    /// <summary>The member has its target assignment of its epoch.</summary>
    Stable = 0,

    /// <summary>The member must give up <see cref="ConsumerGroupMember.PartitionsPendingRevocation"/> before it moves on.</summary>
    UnrevokedPartitions = 1,

    /// <summary>The member has its epoch, but some of its target partitions are still owned by others.</summary>
    UnreleasedPartitions = 2,

    /// <summary>A state this code does not know (a newer coordinator wrote it): the member is fenced.</summary>
    Unknown = 127,
}

/// <summary>
/// A member of a KIP-848 consumer group (Kafka's ConsumerGroupMember), immutable: each heartbeat makes an updated copy,
/// and the coordinator compares the two to know which records to write. <see cref="MemberEpoch"/> is the epoch the
/// member's current assignment (<see cref="AssignedPartitions"/>) belongs to; while it revokes partitions
/// (<see cref="PartitionsPendingRevocation"/>) it still owns them.
/// </summary>
internal sealed record ConsumerGroupMember
{
    /// <summary>Member epoch of a dynamic member that left (ConsumerGroupHeartbeat's -1).</summary>
    public const int LeaveEpoch = -1;

    /// <summary>Member epoch of a static member that left for a while and may come back (ConsumerGroupHeartbeat's -2).</summary>
    public const int StaticLeaveEpoch = -2;

    public required string MemberId { get; init; }

    public string? InstanceId { get; init; }

    public string? RackId { get; init; }

    public string ClientId { get; init; } = "";

    public string ClientHost { get; init; } = "";

    public IReadOnlyList<string> SubscribedTopicNames { get; init; } = [];

    public string? SubscribedTopicRegex { get; init; }

    public int RebalanceTimeoutMs { get; init; } = -1;

    public string? ServerAssignor { get; init; }

    public int MemberEpoch { get; init; }

    public int PreviousMemberEpoch { get; init; }

    public MemberState State { get; init; } = MemberState.Stable;

    public PartitionAssignment AssignedPartitions { get; init; } = PartitionAssignment.Empty;

    public PartitionAssignment PartitionsPendingRevocation { get; init; } = PartitionAssignment.Empty;

    /// <summary>Sets the member epoch, remembering the one before (Kafka's updateMemberEpoch).</summary>
    public ConsumerGroupMember WithEpoch(int epoch) => this with { PreviousMemberEpoch = MemberEpoch, MemberEpoch = epoch };

    /// <summary>Whether the member has the target assignment of <paramref name="targetEpoch"/> in full.</summary>
    public bool IsReconciledTo(int targetEpoch) => State == MemberState.Stable && MemberEpoch == targetEpoch;

    /// <summary>Whether the fields the member metadata record keeps differ.</summary>
    public bool MetadataDiffers(ConsumerGroupMember other)
        => InstanceId != other.InstanceId || RackId != other.RackId || ClientId != other.ClientId || ClientHost != other.ClientHost
            || !SubscribedTopicNames.SequenceEqual(other.SubscribedTopicNames) || SubscribedTopicRegex != other.SubscribedTopicRegex
            || RebalanceTimeoutMs != other.RebalanceTimeoutMs || ServerAssignor != other.ServerAssignor;

    /// <summary>Whether the subscription (which changes the target assignment) differs.</summary>
    public bool SubscriptionDiffers(ConsumerGroupMember other)
        => !SubscribedTopicNames.Order(StringComparer.Ordinal).SequenceEqual(other.SubscribedTopicNames.Order(StringComparer.Ordinal))
            || SubscribedTopicRegex != other.SubscribedTopicRegex || ServerAssignor != other.ServerAssignor || RackId != other.RackId;

    /// <summary>Whether the fields the current assignment record keeps differ.</summary>
    public bool AssignmentDiffers(ConsumerGroupMember other)
        => MemberEpoch != other.MemberEpoch || PreviousMemberEpoch != other.PreviousMemberEpoch || State != other.State
            || !AssignedPartitions.Equals(other.AssignedPartitions) || !PartitionsPendingRevocation.Equals(other.PartitionsPendingRevocation);
}
