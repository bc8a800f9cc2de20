using Runnel.Net.Tests.Support;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Net.Tests;

/// <summary>ApiVersions first, the KIP-511 downgrade, and the table that picks each request's version.</summary>
public sealed class ApiVersionsNegotiationTests
{
    private static readonly KafkaConnectionOptions Negotiating = new() { RequestTimeout = ScriptedPeer.Bounded };

    private static ApiVersionsResponse Listing(params (ApiKey Key, short Min, short Max)[] apis) => new()
    {
        ApiKeys = [.. apis.Select(a => new ApiVersionsResponse.ApiVersion { ApiKey = (short)a.Key, MinVersion = a.Min, MaxVersion = a.Max })],
    };

    [Fact]
    public async Task The_first_request_is_apiversions_and_later_ones_use_the_versions_it_yields()
    {
        await using var peer = new ScriptedPeer();
        var connecting = KafkaConnection.ConnectAsync("127.0.0.1", peer.Port, Negotiating);
        var session = await peer.AcceptAsync();
        var hello = await session.ReadRequestAsync();
        Assert.Equal((short)ApiKey.ApiVersions, hello.Header.RequestApiKey);
        Assert.Equal(ApiCatalog.Get(ApiKey.ApiVersions).HighestVersion, hello.Header.RequestApiVersion);
        Assert.Equal("runnel-dotnet", hello.Body<ApiVersionsRequest>().ClientSoftwareName);
        await session.ReplyAsync(hello, Listing((ApiKey.ApiVersions, 0, 4), (ApiKey.Metadata, 0, 9)));
        await using var connection = await connecting.WaitAsync(ScriptedPeer.Bounded);

        Assert.Equal(9, connection.Versions.Negotiate(ApiKey.Metadata));
        var reply = connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest { Topics = [] });
        var metadata = await session.ReadRequestAsync();
        Assert.Equal(9, metadata.Header.RequestApiVersion);
        await session.ReplyAsync(metadata, new MetadataResponse { ClusterId = "v9" });
        Assert.Equal("v9", (await reply.WaitAsync(ScriptedPeer.Bounded)).ClusterId);
    }

    [Fact]
    public async Task An_older_peer_gets_apiversions_again_at_the_version_its_v0_error_reply_names()
    {
        await using var peer = new ScriptedPeer();
        var connecting = KafkaConnection.ConnectAsync("127.0.0.1", peer.Port, Negotiating);
        var session = await peer.AcceptAsync();
        var first = await session.ReadRequestAsync();
        // KIP-511: an unsupported ApiVersions version gets a v0-shaped body listing the highest it speaks.
        var refusal = Listing((ApiKey.ApiVersions, 0, 2));
        refusal.ErrorCode = (short)ErrorCode.UnsupportedVersion;
        await session.ReplyAsync(first, refusal, version: 0);
        var second = await session.ReadRequestAsync();
        await session.ReplyAsync(second, Listing((ApiKey.ApiVersions, 0, 2), (ApiKey.Metadata, 0, 6)));
        await using var connection = await connecting.WaitAsync(ScriptedPeer.Bounded);

        Assert.Equal(2, second.Header.RequestApiVersion);
        Assert.Equal(6, connection.Versions.Negotiate(ApiKey.Metadata));
    }

    [Fact]
    public async Task A_refused_apiversions_fails_the_connect_with_the_peers_error()
    {
        await using var peer = new ScriptedPeer();
        var connecting = KafkaConnection.ConnectAsync("127.0.0.1", peer.Port, Negotiating);
        var session = await peer.AcceptAsync();
        await session.ReplyAsync(await session.ReadRequestAsync(), new ApiVersionsResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed });

        var error = await Assert.ThrowsAsync<KafkaConnectionException>(() => connecting.WaitAsync(ScriptedPeer.Bounded));
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, error.ErrorCode);
        Assert.Contains("CLUSTER_AUTHORIZATION_FAILED", error.Message, StringComparison.Ordinal);
        await session.WaitForCloseAsync();
    }

    [Fact]
    public async Task Without_negotiation_nothing_precedes_the_first_request()
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer);
        await using var _ = connection;

        Assert.Throws<InvalidOperationException>(() => connection.Versions);
        var reply = connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest { Topics = [] }, version: 12);
        var first = await session.ReadRequestAsync();
        Assert.Equal((short)ApiKey.Metadata, first.Header.RequestApiKey);
        await session.ReplyAsync(first, new MetadataResponse());
        await reply.WaitAsync(ScriptedPeer.Bounded);
    }

    [Fact]
    public async Task Asking_for_an_api_the_peer_lacks_fails_before_sending()
    {
        await using var peer = new ScriptedPeer();
        var connecting = KafkaConnection.ConnectAsync("127.0.0.1", peer.Port, Negotiating);
        var session = await peer.AcceptAsync();
        await session.ReplyAsync(await session.ReadRequestAsync(), Listing((ApiKey.ApiVersions, 0, 4), (ApiKey.Metadata, 0, 12)));
        await using var connection = await connecting.WaitAsync(ScriptedPeer.Bounded);

        await Assert.ThrowsAsync<UnsupportedVersionException>(() => connection.SendAsync<FetchResponse>(ApiKey.Fetch, new FetchRequest()));
        var next = connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest { Topics = [] });
        var first = await session.ReadRequestAsync();
        Assert.Equal((short)ApiKey.Metadata, first.Header.RequestApiKey);
        await session.ReplyAsync(first, new MetadataResponse());
        await next.WaitAsync(ScriptedPeer.Bounded);
    }

    [Fact]
    public void The_table_picks_the_lower_maximum_within_the_range_this_side_speaks()
    {
        var table = new ApiVersionTable(Listing((ApiKey.Metadata, 0, 6), (ApiKey.Fetch, 4, 17), (ApiKey.Produce, 0, 2)), "b:9092",
            key => key == ApiKey.Fetch ? ((short)4, (short)12) : key == ApiKey.Produce ? ((short)3, (short)11) : ApiVersionTable.SchemaRange(key));

        Assert.Equal(6, table.Negotiate(ApiKey.Metadata));
        Assert.Equal(12, table.Negotiate(ApiKey.Fetch));
        Assert.False(table.TryNegotiate(ApiKey.Produce, out _, out var disjoint));
        Assert.Equal("The broker at b:9092 serves Produce v0-2; this client speaks v3-11.", disjoint);
        var missing = Assert.Throws<UnsupportedVersionException>(() => table.Negotiate(ApiKey.ListOffsets));
        Assert.Contains("b:9092 does not serve ListOffsets (API key 2)", missing.Message, StringComparison.Ordinal);
        Assert.Equal(((short)4, (short)17), table.PeerRanges[ApiKey.Fetch]);
    }
}
