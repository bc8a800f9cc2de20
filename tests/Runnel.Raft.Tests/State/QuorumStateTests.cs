using Runnel.Raft.State;
using Runnel.Storage.IO;

namespace Runnel.Raft.Tests.State;

public sealed class QuorumStateTests
{
    [Fact]
    public void The_file_store_survives_a_crash_once_written()
    {
        var fs = new FaultyFileSystem();
        fs.CreateDirectory("/data");
        var store = new FileQuorumStateStore(fs, "/data/metadata");
        Assert.Null(store.Read());
        var state = new ElectionState(7, 2, 3) { VoteFloor = 5 };
        store.Write(state);
        fs.Crash();
        Assert.Equal(state, new FileQuorumStateStore(fs, "/data/metadata").Read());
        store.Write(ElectionState.Fresh);
        Assert.Equal(ElectionState.Fresh, store.Read());
    }

    [Fact]
    public void A_damaged_file_stops_the_node_rather_than_guess()
    {
        var fs = new FaultyFileSystem();
        fs.CreateDirectory("/data");
        using (var file = fs.Open("/data/" + FileQuorumStateStore.FileName, create: true))
            file.Write(0, "{\"leaderEpoch\": 3,"u8);
        Assert.Throws<InvalidDataException>(() => new FileQuorumStateStore(fs, "/data").Read());
    }

    [Theory]
    [InlineData("1@localhost:9093", 1, 1)]
    [InlineData("1@a:1, 2@b:2,3@[::1]:3", 3, 2)]
    public void Voters_parse_as_kafka_writes_them(string text, int count, int majority)
    {
        var voters = QuorumVoters.Parse(text);
        Assert.Equal(count, voters.Count);
        Assert.Equal(majority, voters.MajoritySize);
        Assert.Equal(text.Replace(" ", "", StringComparison.Ordinal).Replace("[::1]", "::1", StringComparison.Ordinal), voters.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1@host")]
    [InlineData("x@host:1")]
    [InlineData("1@host:99999")]
    [InlineData("1@a:1,1@b:2")]
    public void Bad_voter_lists_are_refused(string text)
        => Assert.ThrowsAny<Exception>(() => QuorumVoters.Parse(text));
}
