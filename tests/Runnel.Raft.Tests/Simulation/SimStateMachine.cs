using System.Buffers.Binary;
using Runnel.Raft.Log;

namespace Runnel.Raft.Tests.Simulation;

/// <summary>One committed entry as a state machine saw it: its offset, the epoch of its batch, and its value.</summary>
internal readonly record struct Entry(long Offset, int Epoch, long Value);

/// <summary>
/// The simulated application: it keeps every committed entry it was given (data records carry an 8-byte value;
/// control records are kept as value -1), so the checker can compare what each node committed. Its snapshot is
/// the whole list.
/// </summary>
internal sealed class SimStateMachine : IRaftStateMachine
{
    public List<Entry> Entries { get; private set; } = [];

    /// <summary>Bumped whenever the list is replaced by a snapshot, so the checker re-verifies it.</summary>
    public int Loads { get; private set; }

    public OffsetAndEpoch LastApplied { get; private set; } = OffsetAndEpoch.Zero;

    public Func<bool>? IsLeader { get; set; }

    public int SnapshotsLoadedAsLeader { get; private set; }

    public void Apply(BatchInfo info, ReadOnlySpan<byte> batch)
    {
        if (info.IsControl)
        {
            Entries.Add(new Entry(info.BaseOffset, info.Epoch, -1));
        }
        else
        {
            var offset = info.BaseOffset;
            foreach (var value in RaftBatches.Values(batch))
                Entries.Add(new Entry(offset++, info.Epoch, BinaryPrimitives.ReadInt64BigEndian(value)));
        }
        LastApplied = new OffsetAndEpoch(info.LastOffset + 1, info.Epoch);
    }

    public void LoadSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data)
    {
        if (IsLeader?.Invoke() == true)
            SnapshotsLoadedAsLeader++;
        var entries = new List<Entry>(data.Length / 20);
        for (var p = 0; p < data.Length; p += 20)
            entries.Add(new Entry(BinaryPrimitives.ReadInt64BigEndian(data[p..]), BinaryPrimitives.ReadInt32BigEndian(data[(p + 8)..]), BinaryPrimitives.ReadInt64BigEndian(data[(p + 12)..])));
        Entries = entries;
        LastApplied = id;
        Loads++;
    }

    public void OnLeaderChange(int epoch, int? leaderId)
    {
    }

    public byte[] Serialize()
    {
        var data = new byte[Entries.Count * 20];
        for (var i = 0; i < Entries.Count; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(i * 20), Entries[i].Offset);
            BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(i * 20 + 8), Entries[i].Epoch);
            BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(i * 20 + 12), Entries[i].Value);
        }
        return data;
    }
}
