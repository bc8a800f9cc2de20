using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Network;

/// <summary>
/// The versions this client uses with one broker: per API, min(our max, broker max), as franz-go and the Java
/// client choose. Built from the broker's ApiVersions reply; asking for an API the broker lacks, or whose range
/// does not meet ours, fails with a message naming both ranges rather than a confusing decode error later.
/// </summary>
internal sealed class ApiVersionTable
{
    private readonly Dictionary<ApiKey, (short Min, short Max)> _broker;
    private readonly string _brokerName;

    public ApiVersionTable(ApiVersionsResponse response, string brokerName)
    {
        _brokerName = brokerName;
        _broker = [];
        foreach (var api in response.ApiKeys)
            _broker[(ApiKey)api.ApiKey] = (api.MinVersion, api.MaxVersion);
    }

    /// <summary>The broker's advertised range for each API key, for `runnel cluster info`.</summary>
    public IReadOnlyDictionary<ApiKey, (short Min, short Max)> BrokerRanges => _broker;

    public bool Supports(ApiKey key)
    {
        var ours = ClientApis.Range(key);
        return _broker.TryGetValue(key, out var theirs) && theirs.Min <= ours.Max && ours.Min <= theirs.Max;
    }

    /// <summary>The version to send; throws <see cref="UnsupportedApiException"/> when there is none.</summary>
    public short Negotiate(ApiKey key)
    {
        var ours = ClientApis.Range(key);
        var name = ApiCatalog.Get(key).Name;
        if (!_broker.TryGetValue(key, out var theirs))
            throw new UnsupportedApiException($"The broker at {_brokerName} does not serve {name} (API key {(short)key}), which this operation needs.");
        var version = Math.Min(ours.Max, theirs.Max);
        if (version < ours.Min || version < theirs.Min)
            throw new UnsupportedApiException(
                $"The broker at {_brokerName} serves {name} v{theirs.Min}-{theirs.Max}; this client speaks v{ours.Min}-{ours.Max}.");
        return (short)version;
    }
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
        _ => (ApiCatalog.Get(key).LowestVersion, ApiCatalog.Get(key).HighestVersion),
    };
}
