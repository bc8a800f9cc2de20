using System.Globalization;

namespace Runnel.Client.Network;

/// <summary>Parses Kafka's host:port lists, including bracketed IPv6 literals ([::1]:9092).</summary>
internal static class Endpoints
{
    public const int DefaultPort = 9092;

    public static IReadOnlyList<(string Host, int Port)> ParseList(string servers)
    {
        var endpoints = servers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Parse)
            .ToList();
        if (endpoints.Count == 0)
            throw new ArgumentException("The bootstrap server list is empty.", nameof(servers));
        return endpoints;
    }

    /// <summary>host, host:port, [v6] or [v6]:port; a missing port means Kafka's 9092.</summary>
    public static (string Host, int Port) Parse(string endpoint)
    {
        // Clients copy these from broker configs, so tolerate a listener-style PLAINTEXT:// prefix.
        var schemeEnd = endpoint.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
            endpoint = endpoint[(schemeEnd + 3)..];
        string host;
        string? port = null;
        if (endpoint.StartsWith('['))
        {
            var close = endpoint.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
                throw new ArgumentException($"'{endpoint}' opens an IPv6 bracket it does not close.", nameof(endpoint));
            host = endpoint[1..close];
            var rest = endpoint[(close + 1)..];
            if (rest.Length > 0)
                port = rest.StartsWith(':') ? rest[1..] : throw new ArgumentException($"'{endpoint}' is not host:port.", nameof(endpoint));
        }
        else
        {
            var colon = endpoint.LastIndexOf(':');
            if (colon >= 0 && endpoint.IndexOf(':', StringComparison.Ordinal) != colon)
                throw new ArgumentException($"'{endpoint}': write IPv6 addresses in brackets, as [::1]:9092.", nameof(endpoint));
            host = colon >= 0 ? endpoint[..colon] : endpoint;
            port = colon >= 0 ? endpoint[(colon + 1)..] : null;
        }
        if (host.Length == 0)
            throw new ArgumentException($"'{endpoint}' has no host.", nameof(endpoint));
        if (port is null)
            return (host, DefaultPort);
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            throw new ArgumentException($"'{endpoint}' has an invalid port.", nameof(endpoint));
        return (host, number);
    }

    public static string Format(string host, int port)
        => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
}
