namespace Runnel.Broker.Configuration;

/// <summary>Kafka's security protocols with their wire ids (as in RegisterBrokerRecord endpoints).</summary>
public enum SecurityProtocol : short
{
    Plaintext = 0,
    Ssl = 1,
    SaslPlaintext = 2,
    SaslSsl = 3,
}

public static class SecurityProtocols
{
    /// <summary>Kafka's name of <paramref name="protocol"/> (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).</summary>
    public static string Name(this SecurityProtocol protocol) => protocol switch
    {
        SecurityProtocol.Plaintext => "PLAINTEXT",
        SecurityProtocol.Ssl => "SSL",
        SecurityProtocol.SaslPlaintext => "SASL_PLAINTEXT",
        _ => "SASL_SSL",
    };

    public static bool UsesTls(this SecurityProtocol protocol) => protocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl;

    public static bool UsesSasl(this SecurityProtocol protocol) => protocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;

    /// <summary>Parses a protocol name as Kafka does (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string name, out SecurityProtocol protocol)
    {
        foreach (var candidate in Enum.GetValues<SecurityProtocol>())
        {
            if (candidate.Name().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                protocol = candidate;
                return true;
            }
        }
        protocol = default;
        return false;
    }
}
