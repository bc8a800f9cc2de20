using Runnel.Broker.Configuration;

namespace Runnel.Broker.Groups;

/// <summary>The group coordinator's settings, with Kafka's defaults; <see cref="From"/> reads the broker keys of the same names.</summary>
internal sealed record GroupCoordinatorConfig
{
    /// <summary>group.min.session.timeout.ms / group.max.session.timeout.ms: a JoinGroup outside is INVALID_SESSION_TIMEOUT.</summary>
    public int MinSessionTimeoutMs { get; init; } = 6_000;

    public int MaxSessionTimeoutMs { get; init; } = 1_800_000;

    /// <summary>group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more members.</summary>
    public int InitialRebalanceDelayMs { get; init; } = 3_000;

    /// <summary>group.max.size: more members are refused with GROUP_MAX_SIZE_REACHED.</summary>
    public int MaxSize { get; init; } = int.MaxValue;

    /// <summary>offsets.retention.minutes in ms: how long offsets outlive the group's last member.</summary>
    public long OffsetsRetentionMs { get; init; } = 7L * 24 * 60 * 60 * 1000;

    public long OffsetsRetentionCheckIntervalMs { get; init; } = 600_000;

    /// <summary>offset.metadata.max.bytes: longer commit metadata is OFFSET_METADATA_TOO_LARGE.</summary>
    public int OffsetMetadataMaxBytes { get; init; } = 4096;

    /// <summary>
    /// How long a new member's JoinGroup may stay parked before the member is dropped (Kafka's fixed 5 minutes):
    /// a client that gave up and retried would otherwise leave defunct members behind.
    /// </summary>
    public int NewMemberJoinTimeoutMs { get; init; } = 300_000;

    /// <summary>group.consumer.session.timeout.ms: a KIP-848 member that does not heartbeat for this long is fenced.</summary>
    public int ConsumerSessionTimeoutMs { get; init; } = 45_000;

    /// <summary>group.consumer.heartbeat.interval.ms: the interval ConsumerGroupHeartbeat replies tell members to keep.</summary>
    public int ConsumerHeartbeatIntervalMs { get; init; } = 5_000;

    /// <summary>group.consumer.assignors: the server-side assignors members may name; the first is the default.</summary>
    public IReadOnlyList<string> ConsumerAssignors { get; init; } = ["uniform", "range"];

    /// <summary>group.consumer.max.size: more members are refused with GROUP_MAX_SIZE_REACHED.</summary>
    public int ConsumerMaxSize { get; init; } = int.MaxValue;

    public static GroupCoordinatorConfig From(BrokerConfig config) => new()
    {
        MinSessionTimeoutMs = config.GetInt("group.min.session.timeout.ms"),
        MaxSessionTimeoutMs = config.GetInt("group.max.session.timeout.ms"),
        InitialRebalanceDelayMs = config.GetInt("group.initial.rebalance.delay.ms"),
        MaxSize = config.GetInt("group.max.size"),
        OffsetsRetentionMs = config.GetInt("offsets.retention.minutes") * 60_000L,
        OffsetsRetentionCheckIntervalMs = config.GetLong("offsets.retention.check.interval.ms"),
        OffsetMetadataMaxBytes = config.GetInt("offset.metadata.max.bytes"),
        ConsumerSessionTimeoutMs = config.GetInt("group.consumer.session.timeout.ms"),
        ConsumerHeartbeatIntervalMs = config.GetInt("group.consumer.heartbeat.interval.ms"),
        ConsumerAssignors = config.GetList("group.consumer.assignors"),
        ConsumerMaxSize = config.GetInt("group.consumer.max.size"),
    };
}
