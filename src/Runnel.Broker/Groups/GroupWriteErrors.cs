using Runnel.Protocol;

namespace Runnel.Broker.Groups;

/// <summary>
/// How a failed write to __consumer_offsets reaches the client, as Kafka's classic coordinator maps it
/// (GroupMetadataManager's storeOffsets and storeGroup callbacks): the partition's error becomes one the client acts on
/// by retrying (COORDINATOR_NOT_AVAILABLE) or by looking the coordinator up again (NOT_COORDINATOR).
/// </summary>
internal static class GroupWriteErrors
{
    /// <summary>
    /// For offset commits (and the admin writes: DeleteGroups, OffsetDelete): REQUEST_TIMED_OUT passes through, so the
    /// client retries the commit where it is; size errors are INVALID_COMMIT_OFFSET_SIZE.
    /// </summary>
    public static ErrorCode ForCommit(ErrorCode error) => error switch
    {
        ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend => ErrorCode.CoordinatorNotAvailable,
        ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
        ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge or ErrorCode.InvalidFetchSize => ErrorCode.InvalidCommitOffsetSize,
        _ => error,
    };

    /// <summary>
    /// For group metadata written by JoinGroup and SyncGroup: REQUEST_TIMED_OUT becomes REBALANCE_IN_PROGRESS, so the
    /// members rejoin; size errors are UNKNOWN_SERVER_ERROR.
    /// </summary>
    public static ErrorCode ForGroupMetadata(ErrorCode error) => error switch
    {
        ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend => ErrorCode.CoordinatorNotAvailable,
        ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
        ErrorCode.RequestTimedOut => ErrorCode.RebalanceInProgress,
        ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge or ErrorCode.InvalidFetchSize => ErrorCode.UnknownServerError,
        _ => error,
    };
}
