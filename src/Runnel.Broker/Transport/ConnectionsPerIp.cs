using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Runnel.Broker.Configuration;

namespace Runnel.Broker.Transport;

/// <summary>
/// max.connections.per.ip and max.connections.per.ip.overrides (<c>host:count</c>, comma-separated), as Kafka's
/// ConnectionQuotas applies them at accept: a connection beyond its address's limit is closed at once (and logged by
/// the caller); the count drops when a connection ends.
/// </summary>
internal sealed class ConnectionsPerIp
{
    private readonly int _default;
    private readonly Dictionary<IPAddress, int> _overrides = [];
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    public ConnectionsPerIp(BrokerConfig config)
    {
        _default = config.GetInt("max.connections.per.ip");
        foreach (var entry in config.GetList("max.connections.per.ip.overrides"))
        {
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
                throw new ConfigException("max.connections.per.ip.overrides", $"'{entry}' must look like host:count");
            var host = entry[..colon].Trim();
            var addresses = IPAddress.TryParse(host, out var address) ? [address] : Dns.GetHostAddresses(host);
            foreach (var a in addresses)
                _overrides[Normal(a)] = limit;
        }
    }

    /// <summary>The limit for <paramref name="address"/>.</summary>
    public int LimitOf(IPAddress address) => _overrides.TryGetValue(Normal(address), out var limit) ? limit : _default;

    /// <summary>Counts a new connection from <paramref name="address"/>; false (and nothing counted) when it is over the limit.</summary>
    public bool TryAdmit(IPAddress address)
    {
        address = Normal(address);
        var limit = LimitOf(address);
        while (true)
        {
            var open = _open.GetOrAdd(address, 0);
            if (open >= limit)
                return false;
            if (_open.TryUpdate(address, open + 1, open))
                return true;
        }
    }

    public void Release(IPAddress address)
    {
        address = Normal(address);
        while (_open.TryGetValue(address, out var open))
        {
            if (open <= 1 ? _open.TryRemove(new KeyValuePair<IPAddress, int>(address, open)) : _open.TryUpdate(address, open - 1, open))
                return;
        }
    }

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
