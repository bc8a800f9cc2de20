using System.Globalization;

namespace Runnel.Broker.Configuration;

/// <summary>A listener such as PLAINTEXT://localhost:9092; an empty host means every interface.</summary>
public sealed record ListenerAddress(string Name, string Host, int Port)
{
    public static IReadOnlyList<ListenerAddress> ParseList(string value, string key)
        => ConfigDefinition.SplitList(value).Select(item => Parse(item, key)).ToList();

    public static ListenerAddress Parse(string text, string key)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
            throw new ConfigException(key, $"'{text}' must look like NAME://host:port");
        var name = text[..scheme].ToUpperInvariant();
        var hostPort = text[(scheme + 3)..];
        var colon = hostPort.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new ConfigException(key, $"'{text}' needs a port between 0 and 65535");
        var host = hostPort[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        return new ListenerAddress(name, host, port);
    }

    public override string ToString() => $"{Name}://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";
}
