using Runnel.Protocol;
using Runnel.Protocol.Messages;
using PeerVersions = Runnel.Net.ApiVersionTable;

namespace Runnel.Client.Network;

/// <summary>
/// The versions this client uses with one broker, as <see cref="PeerVersions"/> picks them within
/// <see cref="ClientApis"/>' ranges; an API it cannot use fails as the client's own <see cref="UnsupportedApiException"/>.
/// </summary>
internal sealed class ApiVersionTable(PeerVersions versions)
{
    public ApiVersionTable(ApiVersionsResponse response, string brokerName)
        : this(new PeerVersions(response, brokerName, ClientApis.Range))
    {
    }

    /// <summary>The broker's advertised range for each API key, for `runnel cluster info`.</summary>
    public IReadOnlyDictionary<ApiKey, (short Min, short Max)> BrokerRanges => versions.PeerRanges;

    public bool Supports(ApiKey key) => versions.Supports(key);

    /// <summary>The version to send; throws <see cref="UnsupportedApiException"/> when there is none.</summary>
    public short Negotiate(ApiKey key)
        => versions.TryNegotiate(key, out var version, out var reason) ? version : throw new UnsupportedApiException(reason);
}

/// <summary>The version range this client implements per API; narrower than the schema where semantics change.</summary>
internal static class ClientApis
{
    public static (short Min, short Max) Range(ApiKey key) => key switch
    {
        // Produce below v3 carries message sets (magic 0/1); we only write magic 2 batches.
        ApiKey.Produce => (3, ApiCatalog.Get(key).HighestVersion),
        // Fetch below v4 may return down-converted message sets; v13+ names topics by id only.
        ApiKey.Fetch => (4, 12),
        // ListOffsets v0 answers with a list of old-style offsets instead of one offset and timestamp.
        ApiKey.ListOffsets => (1, ApiCatalog.Get(key).HighestVersion),
        _ => PeerVersions.SchemaRange(key),
    };
}
