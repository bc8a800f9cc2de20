using System.Collections.Immutable;
using Runnel.Broker.Partitions;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Tests.Partitions;

/// <summary>
/// One partition on a real log in a temp directory, led or followed by local broker 1, with a hand-moved clock and
/// recorders for the seams the replica manager fills (eligibility, ISR proposals). No sockets.
/// </summary>
internal sealed class PartitionHarness : IDisposable
{
    public const int Local = 1;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "runnel-partition-" + Guid.NewGuid().ToString("N")[..12]);

    public PartitionHarness(long replicaLagTimeMaxMs = 30_000)
    {
        Logs = LogManager.Open(new LogManagerOptions { LogDirs = [_dir], DefaultConfig = LogConfig.Default, Time = Time });
        var tp = new TopicPartition("events", 0);
        Partition = new Partition(tp, Guid.NewGuid(), Logs.GetOrCreateLog(tp), Local, Time, new ReplicationSettings(replicaLagTimeMaxMs))
        {
            Eligibility = Brokers,
            IsrChanges = Proposals,
        };
    }

    public ManualTimeProvider Time { get; } = new();

    public LogManager Logs { get; }

    public Partition Partition { get; }

    public EligibleBrokers Brokers { get; } = new();

    public ProposalRecorder Proposals { get; } = new();

    public static PartitionAssignment Assignment(int leader, int leaderEpoch, int[] replicas, int[] isr, int partitionEpoch = 0)
        => new(leader, leaderEpoch, partitionEpoch, [.. replicas], [.. isr]);

    /// <summary>Appends <paramref name="records"/> records as the leader; the outcome.</summary>
    public AppendOutcome Produce(int records = 3, short acks = -1, long producerId = -1, int sequence = -1)
    {
        var batch = Batch(records, producerId, sequence);
        var result = RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions(), out var info);
        Assert.True(result.IsValid, result.Message);
        return Partition.AppendAsLeader(batch, info, acks);
    }

    public static byte[] Batch(int records, long producerId = -1, int sequence = -1, int leaderEpoch = -1, long baseOffset = 0)
    {
        using var writer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { BaseOffset = baseOffset, ProducerId = producerId, ProducerEpoch = (short)(producerId < 0 ? -1 : 0), BaseSequence = sequence, PartitionLeaderEpoch = leaderEpoch });
        for (var i = 0; i < records; i++)
            builder.Append(1_000 + i, new byte[] { (byte)i }, new byte[20]);
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    public void Dispose()
    {
        Logs.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Every broker is eligible unless listed; epochs as registered.</summary>
    internal sealed class EligibleBrokers : IReplicaEligibility
    {
        public HashSet<int> Ineligible { get; } = [];

        public Dictionary<int, long> Epochs { get; } = [];

        public bool IsEligible(int brokerId, long fetchEpoch) => !Ineligible.Contains(brokerId) && (fetchEpoch < 0 || Epochs.GetValueOrDefault(brokerId, fetchEpoch) == fetchEpoch);

        public bool IsStale(int brokerId, long epoch) => Epochs.TryGetValue(brokerId, out var registered) && registered > epoch;
    }

    internal sealed class ProposalRecorder : IIsrChangeSink
    {
        public List<IsrProposal> Submitted { get; } = [];

        public void Submit(Partition partition, IsrProposal proposal)
        {
            lock (Submitted)
                Submitted.Add(proposal);
        }

        public ImmutableArray<int> LastIsr => Submitted[^1].Members;
    }
}
