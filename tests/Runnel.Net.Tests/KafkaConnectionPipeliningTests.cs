using Runnel.Net.Tests.Support;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Net.Tests;

/// <summary>Requests leave in call order, replies are matched in that order, and each caller gets its own.</summary>
public sealed class KafkaConnectionPipeliningTests
{
    private static MetadataRequest For(string topic) => new() { Topics = [new() { Name = topic }], AllowAutoTopicCreation = false };

    [Fact]
    public async Task Requests_go_out_in_call_order_and_each_caller_gets_its_own_reply()
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer);
        await using var _ = connection;

        var names = Enumerable.Range(0, 20).Select(i => $"t{i}").ToList();
        var replies = names.Select(name => connection.SendAsync<MetadataResponse>(ApiKey.Metadata, For(name), version: 12)).ToList();

        var seen = new List<SeenRequest>();
        for (var i = 0; i < names.Count; i++)
            seen.Add(await session.ReadRequestAsync());
        Assert.Equal(names, seen.Select(s => s.Body<MetadataRequest>().Topics![0].Name));
        Assert.Equal(names.Count, seen.Select(s => s.Header.CorrelationId).Distinct().Count());
        Assert.All(seen, s => Assert.Equal("runnel", s.Header.ClientId));
        foreach (var request in seen)
            await session.ReplyAsync(request, new MetadataResponse { ClusterId = request.Body<MetadataRequest>().Topics![0].Name });

        var answers = await Task.WhenAll(replies).WaitAsync(ScriptedPeer.Bounded);
        Assert.Equal(names, answers.Select(a => a.ClusterId));
    }

    [Fact]
    public async Task A_request_without_a_reply_takes_no_reply_slot()
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer);
        await using var _ = connection;

        await connection.SendWithoutReplyAsync(ApiKey.Produce, new ProduceRequest { Acks = 0 }, version: 9).WaitAsync(ScriptedPeer.Bounded);
        var answered = connection.SendAsync<MetadataResponse>(ApiKey.Metadata, For("after"), version: 12);

        var produce = await session.ReadRequestAsync();
        var metadata = await session.ReadRequestAsync();
        Assert.Equal((short)ApiKey.Produce, produce.Header.RequestApiKey);
        await session.ReplyAsync(metadata, new MetadataResponse { ClusterId = "answered" });

        Assert.Equal("answered", (await answered.WaitAsync(ScriptedPeer.Bounded)).ClusterId);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_its_request_in_line_and_its_reply_is_dropped()
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer);
        await using var _ = connection;

        using var cancel = new CancellationTokenSource();
        var abandoned = connection.SendAsync<MetadataResponse>(ApiKey.Metadata, For("abandoned"), version: 12, cancellationToken: cancel.Token);
        var kept = connection.SendAsync<MetadataResponse>(ApiKey.Metadata, For("kept"), version: 12);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(ScriptedPeer.Bounded));

        await session.ReplyAsync(await session.ReadRequestAsync(), new MetadataResponse { ClusterId = "abandoned" });
        await session.ReplyAsync(await session.ReadRequestAsync(), new MetadataResponse { ClusterId = "kept" });

        Assert.Equal("kept", (await kept.WaitAsync(ScriptedPeer.Bounded)).ClusterId);
        Assert.True(connection.IsAlive);
    }
}
