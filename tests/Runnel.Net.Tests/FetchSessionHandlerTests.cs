using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Net.Tests;

/// <summary>The fetcher's side of a fetch session: full until the broker opens one, then only what changed.</summary>
public sealed class FetchSessionHandlerTests
{
    private static readonly Guid Topic = Guid.NewGuid();

    [Fact]
    public void After_a_full_fetch_opens_a_session_requests_list_only_changed_partitions_and_forget_dropped_ones()
    {
        var handler = new FetchSessionHandler();
        var first = Build(handler, (0, 10), (1, 20), (2, 30));
        Assert.Equal((0, 0), (first.SessionId, first.SessionEpoch));
        Assert.Equal(3, first.Topics.Single().Partitions.Count);
        Assert.True(handler.HandleResponse(new FetchResponse { SessionId = 77 }));

        var quiet = Build(handler, (0, 10), (1, 20), (2, 30));
        Assert.Equal((77, 1), (quiet.SessionId, quiet.SessionEpoch));
        Assert.Empty(quiet.Topics);
        Assert.True(handler.HandleResponse(new FetchResponse { SessionId = 77 }));

        var moved = Build(handler, (0, 11), (1, 20));
        Assert.Equal(2, moved.SessionEpoch);
        Assert.Equal([(0, 11L)], moved.Topics.Single().Partitions.Select(p => (p.Partition, p.FetchOffset)));
        Assert.Equal([2], moved.ForgottenTopicsData.Single().Partitions);
    }

    [Fact]
    public void Session_errors_and_lost_connections_make_the_next_request_full()
    {
        var handler = new FetchSessionHandler();
        Build(handler, (0, 1));
        handler.HandleResponse(new FetchResponse { SessionId = 5 });
        Build(handler, (0, 1));
        Assert.False(handler.HandleResponse(new FetchResponse { ErrorCode = (short)ErrorCode.InvalidFetchSessionEpoch }));
        // Full, naming the session so the broker closes it.
        var again = Build(handler, (0, 1));
        Assert.Equal((5, 0), (again.SessionId, again.SessionEpoch));
        Assert.Single(again.Topics);
        Assert.False(handler.HandleResponse(new FetchResponse { ErrorCode = (short)ErrorCode.FetchSessionIdNotFound }));
        var fresh = Build(handler, (0, 1));
        Assert.Equal((0, 0), (fresh.SessionId, fresh.SessionEpoch));
        handler.HandleResponse(new FetchResponse { SessionId = 6 });
        Assert.True(handler.IsIncremental);
        handler.Reset();
        var afterReset = Build(handler, (0, 1));
        Assert.Equal((6, 0), (afterReset.SessionId, afterReset.SessionEpoch));
        // A broker that keeps no session answers a full fetch with SessionId 0: every request stays full.
        handler.HandleResponse(new FetchResponse { SessionId = 0 });
        var stays = Build(handler, (0, 1));
        Assert.Equal((0, 0), (stays.SessionId, stays.SessionEpoch));
    }

    private static FetchRequest Build(FetchSessionHandler handler, params (int Partition, long Offset)[] wanted)
    {
        var request = new FetchRequest();
        handler.Build(request, wanted.Select(w => (Topic, new FetchRequest.FetchPartition { Partition = w.Partition, FetchOffset = w.Offset, PartitionMaxBytes = 100 })));
        return request;
    }
}
