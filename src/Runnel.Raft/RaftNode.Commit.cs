using Microsoft.Extensions.Logging;
using Runnel.Raft.Log;

namespace Runnel.Raft;

/// <summary>Handing committed batches to the state machine, and snapshots of it.</summary>
public sealed partial class RaftNode
{
    private void LoadSnapshot()
    {
        if (_log.LatestSnapshot is { } id)
        {
            var size = _log.SnapshotSize(id);
            var data = new byte[size];
            _log.ReadSnapshot(id, 0, data);
            _machine.LoadSnapshot(id, data);
            _logger.LogInformation("Node {Id} loaded snapshot {Snapshot} ({Bytes} bytes); the log goes on from offset {Start}", _id, id, size, _log.StartOffset);
            _applied = id.Offset;
            // A snapshot holds only committed data, so its end is a high watermark we may assume.
            _highWatermark = id.Offset;
        }
        else
        {
            _applied = _log.StartOffset;
        }
    }

    /// <summary>Gives the state machine every whole batch below the high watermark it has not seen.</summary>
    private void ApplyCommitted()
    {
        while (_applied < _highWatermark)
        {
            var bytes = _log.Read(_applied, 64 * 1024);
            var progressed = false;
            var position = 0;
            foreach (var info in BatchHeaders.Walk(bytes))
            {
                var batch = bytes.AsSpan(position, info.Size);
                position += info.Size;
                if (info.LastOffset < _applied)
                    continue;
                if (info.BaseOffset != _applied || info.LastOffset >= _highWatermark)
                    break;
                _machine.Apply(info, batch);
                _applied = info.LastOffset + 1;
                progressed = true;
            }
            if (!progressed)
                break;
        }
    }

    /// <summary>
    /// Stores a snapshot of the state machine as of <paramref name="id"/> (the end offset and epoch of the last batch
    /// it applied) and lets the log drop what it covers. Returns false when the id is not applied yet or not newer.
    /// </summary>
    public bool CreateSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data)
    {
        if (id.Offset > _applied || id.Offset > _highWatermark || id.Offset <= (_log.LatestSnapshot?.Offset ?? 0))
            return false;
        _log.WriteSnapshot(id, data);
        return true;
    }
}
