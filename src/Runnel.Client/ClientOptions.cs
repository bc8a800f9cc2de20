using Runnel.Net.Security;

namespace Runnel.Client;

/// <summary>Settings every Runnel client shares: where the cluster is, how this client names itself, and time limits.</summary>
public class ClientOptions
{
    /// <summary>Comma-separated host:port list to bootstrap from (Kafka's bootstrap.servers).</summary>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary>Sent in every request header; brokers log it and use it for quotas.</summary>
    public string ClientId { get; set; } = "runnel";

    /// <summary>How long to wait for a TCP connection to open.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for any one reply; a connection that misses it is closed (as Kafka's clients do).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Cached metadata older than this is refreshed before use (Kafka's metadata.max.age.ms).</summary>
    public TimeSpan MetadataMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Pause between retries of retriable errors (Kafka's retry.backoff.ms).</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// TLS and SASL for every connection (Kafka's security.protocol with its ssl.* and sasl.* settings; see
    /// <see cref="ConnectionSecurity.FromClientProperties"/>); PLAINTEXT by default.
    /// </summary>
    public ConnectionSecurity Security { get; set; } = ConnectionSecurity.Plaintext;

    /// <summary>Largest response frame accepted; a bigger size prefix means a corrupt stream, not a real reply.</summary>
    public int MaxResponseBytes { get; set; } = 256 * 1024 * 1024;

    /// <summary>The bootstrap list parsed into endpoints; throws <see cref="ArgumentException"/> when malformed.</summary>
    internal IReadOnlyList<(string Host, int Port)> ParseBootstrapServers() => Network.Endpoints.ParseList(BootstrapServers);
}
