using Runnel.Client.Network;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Tests.Network;

public class ApiVersionTableTests
{
    private static ApiVersionTable Table(params (ApiKey Key, short Min, short Max)[] apis) => new(new ApiVersionsResponse
    {
        ApiKeys = [.. apis.Select(a => new ApiVersionsResponse.ApiVersion { ApiKey = (short)a.Key, MinVersion = a.Min, MaxVersion = a.Max })],
    }, "b:9092");

    [Fact]
    public void Picks_the_lower_of_the_two_maxima()
    {
        var table = Table((ApiKey.Metadata, 0, 6), (ApiKey.Produce, 3, 20), (ApiKey.Fetch, 4, 17));
        Assert.Equal(6, table.Negotiate(ApiKey.Metadata));
        Assert.Equal(ApiCatalog.Get(ApiKey.Produce).HighestVersion, table.Negotiate(ApiKey.Produce));
        Assert.Equal(12, table.Negotiate(ApiKey.Fetch)); // v13+ names topics by id only
    }

    [Fact]
    public void A_missing_api_fails_naming_it_and_the_broker()
    {
        var error = Assert.Throws<UnsupportedApiException>(() => Table((ApiKey.Metadata, 0, 6)).Negotiate(ApiKey.Fetch));
        Assert.Contains("b:9092 does not serve Fetch (API key 1)", error.Message, StringComparison.Ordinal);
        Assert.False(Table().Supports(ApiKey.Fetch));
    }

    [Fact]
    public void Ranges_that_do_not_meet_fail_naming_both()
    {
        var table = Table((ApiKey.Produce, 0, 2), (ApiKey.Fetch, 13, 17));
        Assert.Contains("serves Produce v0-2; this client speaks v3-", Assert.Throws<UnsupportedApiException>(() => table.Negotiate(ApiKey.Produce)).Message, StringComparison.Ordinal);
        Assert.Contains("serves Fetch v13-17; this client speaks v4-12", Assert.Throws<UnsupportedApiException>(() => table.Negotiate(ApiKey.Fetch)).Message, StringComparison.Ordinal);
        Assert.False(table.Supports(ApiKey.Fetch));
    }
}
