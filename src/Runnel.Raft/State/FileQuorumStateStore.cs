using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Runnel.Storage.IO;

namespace Runnel.Raft.State;

/// <summary>
/// The <c>quorum-state</c> file, JSON as Kafka writes it (leaderId, leaderEpoch, votedId, data_version) plus our
/// recovery fields. Replaced whole through a temp file, fsync, rename and a directory fsync, so a crash leaves the
/// old or the new state, never a torn one. A file that does not parse stops the node: guessing could double-vote.
/// </summary>
public sealed class FileQuorumStateStore(IFileSystem fileSystem, string directory) : IQuorumStateStore
{
    public const string FileName = "quorum-state";

    private sealed record Stored(
        [property: JsonPropertyName("leaderId")] int LeaderId,
        [property: JsonPropertyName("leaderEpoch")] int LeaderEpoch,
        [property: JsonPropertyName("votedId")] int VotedId,
        [property: JsonPropertyName("recovering")] bool Recovering,
        [property: JsonPropertyName("voteFloor")] int VoteFloor,
        [property: JsonPropertyName("data_version")] int DataVersion);

    private string PathName => Path.Combine(directory, FileName);

    public ElectionState? Read()
    {
        if (!fileSystem.FileExists(PathName))
            return null;
        using var file = fileSystem.Open(PathName, create: false);
        var bytes = new byte[file.Length];
        file.Read(0, bytes);
        Stored stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(bytes) ?? throw new InvalidDataException("empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{PathName} is not a quorum state: {e.Message}", e);
        }
        return new ElectionState(stored.LeaderEpoch, stored.VotedId < 0 ? null : stored.VotedId, stored.LeaderId < 0 ? null : stored.LeaderId)
        {
            Recovering = stored.Recovering,
            VoteFloor = stored.VoteFloor,
        };
    }

    public void Write(ElectionState state)
    {
        fileSystem.CreateDirectory(directory);
        var json = JsonSerializer.Serialize(new Stored(state.LeaderId ?? -1, state.Epoch, state.VotedId ?? -1, state.Recovering, state.VoteFloor, 0));
        DurableFile.Replace(fileSystem, PathName, Encoding.UTF8.GetBytes(json));
    }
}
