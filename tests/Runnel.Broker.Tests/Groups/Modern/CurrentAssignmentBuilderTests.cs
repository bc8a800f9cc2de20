using Runnel.Broker.Groups.Modern;

namespace Runnel.Broker.Tests.Groups.Modern;

/// <summary>Reconciliation (Kafka's CurrentAssignmentBuilder): revocation before reassignment, and no partition with two owners.</summary>
public sealed class CurrentAssignmentBuilderTests
{
    private static readonly Guid T = new("00000000-0000-0000-0000-00000000000a");

    private static PartitionAssignment P(params int[] partitions) => PartitionAssignment.From(partitions.Select(p => (T, p)));

    private static ConsumerGroupMember Member(int epoch, PartitionAssignment assigned, MemberState state = MemberState.Stable, PartitionAssignment? revoking = null)
        => new() { MemberId = "m", MemberEpoch = epoch, PreviousMemberEpoch = epoch - 1, State = state, AssignedPartitions = assigned, PartitionsPendingRevocation = revoking ?? PartitionAssignment.Empty };

    private static int Free(Guid topic, int partition) => -1;

    [Fact]
    public void A_member_with_nothing_to_revoke_takes_the_target_epoch_and_its_free_partitions()
    {
        var next = CurrentAssignmentBuilder.Build(Member(1, P(0, 1)), 2, P(0, 1, 2), Free, P(0, 1));
        Assert.Equal(2, next.MemberEpoch);
        Assert.Equal(1, next.PreviousMemberEpoch);
        Assert.Equal(MemberState.Stable, next.State);
        Assert.Equal(P(0, 1, 2), next.AssignedPartitions);
    }

    [Fact]
    public void Partitions_to_give_up_are_revoked_first_in_the_same_epoch_and_new_ones_come_only_after()
    {
        var member = Member(1, P(0, 1, 2));
        var revoking = CurrentAssignmentBuilder.Build(member, 2, P(0, 3), Free, P(0, 1, 2));
        Assert.Equal(1, revoking.MemberEpoch);
        Assert.Equal(MemberState.UnrevokedPartitions, revoking.State);
        Assert.Equal(P(0), revoking.AssignedPartitions);
        Assert.Equal(P(1, 2), revoking.PartitionsPendingRevocation);

        // Still reporting 1 as owned: nothing moves.
        var still = CurrentAssignmentBuilder.Build(revoking, 2, P(0, 3), Free, P(0, 1));
        Assert.Same(revoking, still);
        // Unknown owned partitions (a partial heartbeat) count as still owned.
        Assert.Same(revoking, CurrentAssignmentBuilder.Build(revoking, 2, P(0, 3), Free, null));

        var done = CurrentAssignmentBuilder.Build(revoking, 2, P(0, 3), Free, P(0));
        Assert.Equal(2, done.MemberEpoch);
        Assert.Equal(MemberState.Stable, done.State);
        Assert.Equal(P(0, 3), done.AssignedPartitions);
        Assert.True(done.PartitionsPendingRevocation.IsEmpty);
    }

    [Fact]
    public void A_partition_another_member_still_owns_is_held_back_until_released()
    {
        var owners = new Dictionary<int, int> { [2] = 1 };
        int Epoch(Guid topic, int partition) => owners.GetValueOrDefault(partition, -1);
        var next = CurrentAssignmentBuilder.Build(Member(1, P(0)), 2, P(0, 2), Epoch, P(0));
        Assert.Equal(2, next.MemberEpoch);
        Assert.Equal(MemberState.UnreleasedPartitions, next.State);
        Assert.Equal(P(0), next.AssignedPartitions);

        owners.Clear();
        var released = CurrentAssignmentBuilder.Build(next, 2, P(0, 2), Epoch, P(0));
        Assert.Equal(MemberState.Stable, released.State);
        Assert.Equal(P(0, 2), released.AssignedPartitions);
    }

    [Fact]
    public void A_member_in_an_unknown_state_that_still_owns_partitions_is_fenced()
    {
        Assert.Throws<FencedMemberEpochException>(() => CurrentAssignmentBuilder.Build(Member(1, P(0), MemberState.Unknown), 2, P(0), Free, P(0)));
    }
}
