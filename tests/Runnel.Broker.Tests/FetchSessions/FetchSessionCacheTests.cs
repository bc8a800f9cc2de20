using Runnel.Broker.FetchSessions;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Tests.FetchSessions;

/// <summary>KIP-227 fetch sessions as Kafka's FetchManager keeps them: what SessionId and SessionEpoch mean, incremental answers, eviction.</summary>
public sealed class FetchSessionCacheTests
{
    private const short Version = 12;

    [Fact]
    public void Epoch_zero_opens_a_session_that_incremental_fetches_then_use_epoch_by_epoch()
    {
        var cache = new FetchSessionCache(1000, new ManualTimeProvider());
        var full = cache.NewContext(Version, 0, 0, false, Targets("t", 0, 1, 2), []);
        Assert.Equal(3, full.Targets.Count);
        var opened = full.Respond(Answer(full, hw: 10), []);
        Assert.NotEqual(0, opened.SessionId);
        Assert.Equal(3, opened.Responses.Single().Partitions.Count);

        // Epoch 1 lists nothing: all three are read, none has news, so none is answered.
        var quiet = cache.NewContext(Version, opened.SessionId, 1, false, [], []);
        Assert.Equal(ErrorCode.None, quiet.Error);
        Assert.Equal([0, 1, 2], quiet.Targets.Select(t => t.Key.Partition));
        var quietAnswer = quiet.Respond(Answer(quiet, hw: 10), []);
        Assert.Equal(opened.SessionId, quietAnswer.SessionId);
        Assert.Empty(quietAnswer.Responses);

        // Epoch 2: partition 1's high watermark moved; only it is answered.
        var moved = cache.NewContext(Version, opened.SessionId, 2, false, [], []);
        var answers = Answer(moved, hw: 10);
        answers[1].Data.HighWatermark = 11;
        var movedAnswer = moved.Respond(answers, []);
        Assert.Equal([1], movedAnswer.Responses.Single().Partitions.Select(p => p.PartitionIndex));

        // The same epoch again (a retried request) is refused; so is an unknown id.
        Assert.Equal(ErrorCode.InvalidFetchSessionEpoch, cache.NewContext(Version, opened.SessionId, 2, false, [], []).Error);
        Assert.Equal(ErrorCode.FetchSessionIdNotFound, cache.NewContext(Version, opened.SessionId + 1, 1, false, [], []).Error);
        // A session made without topic ids does not serve a request that uses them.
        Assert.Equal(ErrorCode.FetchSessionTopicIdError, cache.NewContext(13, opened.SessionId, 3, false, [], []).Error);
    }

    [Fact]
    public void Listed_partitions_update_or_join_the_session_and_forgotten_ones_leave_it()
    {
        var cache = new FetchSessionCache(1000, new ManualTimeProvider());
        var full = cache.NewContext(Version, 0, 0, false, Targets("t", 0, 1), []);
        var id = full.Respond(Answer(full, hw: 5), []).SessionId;

        var changed = Targets("t", 1, 2);
        changed[0].Request.FetchOffset = 4;
        var next = cache.NewContext(Version, id, 1, false, changed, [new FetchKey(Guid.Empty, "t", 0)]);
        Assert.Equal([(1, 4L), (2, 0L)], next.Targets.Select(t => (t.Key.Partition, t.Request.FetchOffset)));
        // A new partition has never been answered, so it is sent even without news; records move a partition to the back.
        var answers = Answer(next, hw: 5);
        answers[0].Data.Records = new byte[] { 1 };
        Assert.Equal([1, 2], next.Respond(answers, []).Responses.Single().Partitions.Select(p => p.PartitionIndex));
        Assert.Equal([2, 1], cache.NewContext(Version, id, 2, false, [], []).Targets.Select(t => t.Key.Partition));

        // Forgetting every partition closes the session; the fetch is then sessionless.
        var last = cache.NewContext(Version, id, 3, false, [], [new FetchKey(Guid.Empty, "t", 1), new FetchKey(Guid.Empty, "t", 2)]);
        Assert.Empty(last.Targets);
        Assert.Equal(0, last.Respond([], []).SessionId);
        Assert.Equal(ErrorCode.FetchSessionIdNotFound, cache.NewContext(Version, id, 4, false, [], []).Error);
    }

    [Fact]
    public void A_full_fetch_closes_the_session_it_names_and_epoch_minus_one_opens_none()
    {
        var cache = new FetchSessionCache(1000, new ManualTimeProvider());
        var full = cache.NewContext(Version, 0, 0, false, Targets("t", 0), []);
        var id = full.Respond(Answer(full, hw: 0), []).SessionId;
        var final = cache.NewContext(Version, id, -1, false, Targets("t", 0), []);
        Assert.Equal(0, final.Respond(Answer(final, hw: 0), []).SessionId);
        Assert.Equal(0, cache.Count);
        Assert.Equal(ErrorCode.FetchSessionIdNotFound, cache.NewContext(Version, id, 1, false, [], []).Error);
        // An errored partition is always answered, and its cached high watermark is forgotten so the next answer is sent too.
        var again = cache.NewContext(Version, 0, 0, false, Targets("t", 0), []);
        var second = again.Respond(Answer(again, hw: 3), []).SessionId;
        var failing = cache.NewContext(Version, second, 1, false, [], []);
        var failed = Answer(failing, hw: 3);
        failed[0].Data.ErrorCode = (short)ErrorCode.NotLeaderOrFollower;
        Assert.Single(failing.Respond(failed, []).Responses);
        var healed = cache.NewContext(Version, second, 2, false, [], []);
        Assert.Single(healed.Respond(Answer(healed, hw: 3), []).Responses);
    }

    [Fact]
    public void A_full_shard_evicts_a_stale_session_or_a_cheaper_one_as_Kafka_does()
    {
        var clock = new ManualTimeProvider();
        // Eight slots: one per shard; new sessions go to the shards in turn.
        var cache = new FetchSessionCache(8, clock);
        var consumers = Enumerable.Range(0, 8).Select(_ => Open(cache, follower: false, partitions: 2)).ToList();
        Assert.All(consumers, id => Assert.NotEqual(0, id));
        Assert.Equal(8, cache.Count);

        // Young sessions are not evictable by another consumer, whatever its size...
        Assert.Equal(0, Open(cache, follower: false, partitions: 50));
        // ...but a follower's session evicts a consumer's at once.
        var follower = Open(cache, follower: true, partitions: 1);
        Assert.NotEqual(0, follower);
        Assert.Equal(1, cache.Evictions);

        // Once older than the eviction time, a session is evictable by a larger one, not by a smaller one.
        clock.Advance(FetchSessionCache.EvictionMs + 1);
        foreach (var id in consumers.Skip(2))
            Touch(cache, id);
        Assert.Equal(8, cache.Count);
        Assert.Equal(0, Open(cache, follower: false, partitions: 1));
        Assert.NotEqual(0, Open(cache, follower: false, partitions: 3));

        // A session idle longer than the eviction time is stale: anyone may take its slot.
        clock.Advance(FetchSessionCache.EvictionMs + 1);
        Assert.NotEqual(0, Open(cache, follower: false, partitions: 1));
    }

    [Fact]
    public void No_slots_means_no_sessions()
    {
        var cache = new FetchSessionCache(0, new ManualTimeProvider());
        Assert.Equal(0, Open(cache, follower: true, partitions: 1));
    }

    private static int Open(FetchSessionCache cache, bool follower, int partitions)
    {
        var context = cache.NewContext(Version, 0, 0, follower, Targets("t", [.. Enumerable.Range(0, partitions)]), []);
        return context.Respond(Answer(context, hw: 0), []).SessionId;
    }

    private readonly Dictionary<int, int> _epochs = [];

    private void Touch(FetchSessionCache cache, int id)
    {
        var epoch = _epochs.GetValueOrDefault(id, 1);
        var context = cache.NewContext(Version, id, epoch, false, [], []);
        Assert.Equal(ErrorCode.None, context.Error);
        _epochs[id] = epoch + 1;
    }

    private static List<FetchTarget> Targets(string topic, params int[] partitions)
        => [.. partitions.Select(p => new FetchTarget(new FetchKey(Guid.Empty, topic, p), new FetchRequest.FetchPartition { Partition = p, PartitionMaxBytes = 1 << 20 }))];

    private static List<(FetchTarget Target, FetchResponse.PartitionData Data)> Answer(FetchContext context, long hw)
        => [.. context.Targets.Select(t => (t, new FetchResponse.PartitionData { PartitionIndex = t.Key.Partition, HighWatermark = hw, LogStartOffset = 0, Records = ReadOnlyMemory<byte>.Empty }))];
}
