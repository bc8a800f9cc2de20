using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Net;

/// <summary>
/// The versions to use with one peer: per API, min(our max, peer max), as franz-go and the Java client choose. Built
/// from the peer's ApiVersions reply; an API the peer lacks, or whose range does not meet ours, is refused with a
/// message naming both ranges rather than a confusing decode error later.
/// </summary>
public sealed class ApiVersionTable
{
    private readonly Dictionary<ApiKey, (short Min, short Max)> _peer;
    private readonly string _peerName;
    private readonly Func<ApiKey, (short Min, short Max)> _ours;

    public ApiVersionTable(ApiVersionsResponse response, string peerName, Func<ApiKey, (short Min, short Max)>? supported = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        _peerName = peerName;
        _ours = supported ?? SchemaRange;
        _peer = [];
        foreach (var api in response.ApiKeys)
            _peer[(ApiKey)api.ApiKey] = (api.MinVersion, api.MaxVersion);
    }

    /// <summary>Every version the schema defines for <paramref name="key"/>.</summary>
    public static (short Min, short Max) SchemaRange(ApiKey key) => (ApiCatalog.Get(key).LowestVersion, ApiCatalog.Get(key).HighestVersion);

    /// <summary>The peer's advertised range for each API key it listed.</summary>
    public IReadOnlyDictionary<ApiKey, (short Min, short Max)> PeerRanges => _peer;

    public bool Supports(ApiKey key) => TryNegotiate(key, out _, out _);

    /// <summary>The version to send, or false with the reason there is none.</summary>
    public bool TryNegotiate(ApiKey key, out short version, out string reason)
    {
        var ours = _ours(key);
        var name = ApiCatalog.Get(key).Name;
        version = 0;
        if (!_peer.TryGetValue(key, out var theirs))
        {
            reason = $"The broker at {_peerName} does not serve {name} (API key {(short)key}), which this operation needs.";
            return false;
        }
        var chosen = Math.Min(ours.Max, theirs.Max);
        if (chosen < ours.Min || chosen < theirs.Min)
        {
            reason = $"The broker at {_peerName} serves {name} v{theirs.Min}-{theirs.Max}; this client speaks v{ours.Min}-{ours.Max}.";
            return false;
        }
        version = (short)chosen;
        reason = "";
        return true;
    }

    /// <summary>The version to send; throws <see cref="UnsupportedVersionException"/> when there is none.</summary>
    public short Negotiate(ApiKey key)
        => TryNegotiate(key, out var version, out var reason) ? version : throw new UnsupportedVersionException(reason);
}
