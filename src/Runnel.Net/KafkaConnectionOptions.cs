using Runnel.Net.Security;
using Runnel.Protocol;

namespace Runnel.Net;

/// <summary>How a <see cref="KafkaConnection"/> names itself, how long it waits, and whether it negotiates versions.</summary>
public sealed record KafkaConnectionOptions
{
    /// <summary>Sent in every request header; brokers log it and use it for quotas.</summary>
    public string ClientId { get; init; } = "runnel";

    /// <summary>TLS and SASL for the connection; none (PLAINTEXT) by default.</summary>
    public ConnectionSecurity? Security { get; init; }

    /// <summary>How long opening the TCP connection may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long any one request may stay unanswered unless its send names another limit. A request that misses it
    /// kills the connection: a peer that vanished without a reset (behind a partition) is noticed this way.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest reply frame accepted; a bigger size prefix means a corrupt stream, not a real reply.</summary>
    public int MaxResponseBytes { get; init; } = 256 * 1024 * 1024;

    /// <summary>Measures the connect and request timeouts.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Ask the peer for its ApiVersions first and keep the result in <see cref="KafkaConnection.Versions"/>. Peers
    /// whose versions are fixed by design (quorum members, controllers) skip the round trip.
    /// </summary>
    public bool NegotiateApiVersions { get; init; } = true;

    /// <summary>The range this side speaks per API, against which the peer's is matched; the schema's by default.</summary>
    public Func<ApiKey, (short Min, short Max)> SupportedVersions { get; init; } = ApiVersionTable.SchemaRange;

    /// <summary>ApiVersions v3+ name the software; the broker checks it against [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?.</summary>
    public string SoftwareName { get; init; } = "runnel-dotnet";

    public string SoftwareVersion { get; init; } = typeof(KafkaConnectionOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
