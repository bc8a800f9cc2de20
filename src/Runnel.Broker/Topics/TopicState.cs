using Runnel.Broker.Producers;
using Runnel.Protocol;
using Runnel.Storage;

namespace Runnel.Broker.Topics;

/// <summary>A topic as the broker serves it: id, partitions with their logs, and its config overrides.</summary>
internal sealed class TopicState(string name, Guid id, IReadOnlyDictionary<string, string> configs, TopicSettings settings)
{
    private PartitionState[] _partitions = [];

    public string Name { get; } = name;

    public Guid Id { get; } = id;

    /// <summary>Configs set on the topic itself (not broker defaults).</summary>
    public IReadOnlyDictionary<string, string> Configs { get; set; } = configs;

    /// <summary>The effective settings (broker defaults overridden by <see cref="Configs"/>), replaced as a whole.</summary>
    public TopicSettings Settings { get; set; } = settings;

    public LogConfig LogConfig => Settings.Log;

    public bool IsInternal => Name.StartsWith("__", StringComparison.Ordinal);

    /// <summary>Replaced as a whole when partitions are added, so readers never see a half-built array.</summary>
    public IReadOnlyList<PartitionState> Partitions => Volatile.Read(ref _partitions);

    public PartitionState? Partition(int index)
    {
        var partitions = Volatile.Read(ref _partitions);
        return index >= 0 && index < partitions.Length ? partitions[index] : null;
    }

    public void SetPartitions(PartitionState[] partitions) => Volatile.Write(ref _partitions, partitions);
}

/// <summary>One partition this node leads: its log and the signal that wakes long-polling fetches.</summary>
internal sealed class PartitionState(TopicPartition topicPartition, PartitionLog log)
{
    private TaskCompletionSource _appended = NewSignal();

    public TopicPartition TopicPartition { get; } = topicPartition;

    public PartitionLog Log { get; } = log;

    /// <summary>Single node: the leader epoch never changes.</summary>
    public int LeaderEpoch { get; init; }

    /// <summary>
    /// KIP-320: a request that names the leader epoch it expects is FENCED_LEADER_EPOCH when that epoch is older than
    /// ours, UNKNOWN_LEADER_EPOCH when newer; -1 (not known to the client) always passes.
    /// </summary>
    public ErrorCode CheckLeaderEpoch(int expected)
        => expected < 0 || expected == LeaderEpoch ? ErrorCode.None
            : expected > LeaderEpoch ? ErrorCode.UnknownLeaderEpoch : ErrorCode.FencedLeaderEpoch;

    /// <summary>With one replica every appended record is replicated to the whole ISR, so HW = LEO.</summary>
    public long HighWatermark => Log.LogEndOffset;

    /// <summary>Without transactions the last stable offset is the high watermark.</summary>
    public long LastStableOffset => HighWatermark;

    /// <summary>Held across the idempotence check, the append and the state update, so they are one step.</summary>
    public object AppendLock { get; } = new();

    /// <summary>
    /// Idempotent producers' sequences, rebuilt from the log's tail the first time one writes here. Use it only
    /// under <see cref="AppendLock"/>.
    /// </summary>
    public ProducerStateTable ProducerStates => _producerStates ??= ProducerStateLoader.Load(Log);

    private ProducerStateTable? _producerStates;

    /// <summary>A task that completes at the next append; fetches waiting for data await it.</summary>
    public Task NextAppend => Volatile.Read(ref _appended).Task;

    public void SignalAppended() => Interlocked.Exchange(ref _appended, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
