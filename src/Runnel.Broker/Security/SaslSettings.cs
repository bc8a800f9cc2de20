using Runnel.Broker.Configuration;
using Runnel.Net.Security;

namespace Runnel.Broker.Security;

/// <summary>
/// A SASL listener's mechanisms (sasl.enabled.mechanisms, listener-prefixed first) and their users, loaded at
/// start-up. Each mechanism needs its JAAS config as Kafka spells it,
/// listener.name.&lt;listener&gt;.&lt;mechanism in lower case&gt;.sasl.jaas.config. PLAIN takes its users from the
/// user_&lt;name&gt;="&lt;password&gt;" options of PlainLoginModule, as Kafka's PlainServerCallbackHandler does. SCRAM
/// credentials come from the metadata image (AlterUserScramCredentials, see <see cref="StoredScramCredentials"/>);
/// beyond Kafka, ScramLoginModule's config may also take user_&lt;name&gt; options, each password becoming a salted
/// credential with 4096 iterations at start-up, used for a user and mechanism the image holds no credential for.
/// </summary>
internal sealed class SaslSettings
{
    public const string PlainLoginModule = "org.apache.kafka.common.security.plain.PlainLoginModule";
    public const string ScramLoginModule = "org.apache.kafka.common.security.scram.ScramLoginModule";

    private readonly IReadOnlyDictionary<string, string> _plainUsers;
    private readonly Dictionary<(string Mechanism, string User), ScramCredential> _scram;

    private SaslSettings(IReadOnlyList<string> mechanisms, IReadOnlyDictionary<string, string> plainUsers,
        Dictionary<(string, string), ScramCredential> scram, int maxReceiveSize, int failedAuthenticationDelayMs)
    {
        Mechanisms = mechanisms;
        _plainUsers = plainUsers;
        _scram = scram;
        MaxReceiveSize = maxReceiveSize;
        FailedAuthenticationDelayMs = failedAuthenticationDelayMs;
    }

    /// <summary>The enabled mechanisms in configured order, as SaslHandshake lists them.</summary>
    public IReadOnlyList<string> Mechanisms { get; }

    /// <summary>sasl.server.max.receive.size: the largest frame before authentication completes.</summary>
    public int MaxReceiveSize { get; }

    /// <summary>
    /// connections.max.reauth.ms (KIP-368): how long an authenticated session lasts before the client must
    /// re-authenticate; 0 (the default) for no limit.
    /// </summary>
    public long MaxReauthMs { get; private init; }

    /// <summary>connection.failed.authentication.delay.ms: how long the reply to a failed authentication waits.</summary>
    public int FailedAuthenticationDelayMs { get; }

    /// <summary>A server for <paramref name="mechanism"/>, or null when it is not enabled; SCRAM looks in <paramref name="stored"/> first.</summary>
    public ISaslMechanismServer? CreateServer(string mechanism, StoredScramCredentials? stored = null)
    {
        if (!Mechanisms.Contains(mechanism, StringComparer.Ordinal))
            return null;
        if (mechanism == "PLAIN")
            return new PlainServer(_plainUsers);
        var scram = ScramMechanism.Find(mechanism)!;
        return new ScramServer(scram, user => stored?.Find(scram, user) ?? _scram.GetValueOrDefault((scram.Name, user)));
    }

    public static SaslSettings Load(BrokerConfig config, string listener)
    {
        var mechanismsKey = config.IsSet(BrokerConfig.ListenerKey(listener, SecurityConfigs.SaslEnabledMechanisms))
            ? BrokerConfig.ListenerKey(listener, SecurityConfigs.SaslEnabledMechanisms) : SecurityConfigs.SaslEnabledMechanisms;
        var mechanisms = ConfigDefinition.SplitList(config.ListenerValue(listener, SecurityConfigs.SaslEnabledMechanisms) ?? "")
            .Select(m => m.ToUpperInvariant()).Distinct().ToList();
        if (mechanisms.Count == 0)
            throw new ConfigException(mechanismsKey, $"listener {listener} uses SASL but enables no mechanism");
        var plain = new Dictionary<string, string>(StringComparer.Ordinal);
        var scram = new Dictionary<(string, string), ScramCredential>();
        foreach (var mechanism in mechanisms)
        {
            if (mechanism != "PLAIN" && ScramMechanism.Find(mechanism) is null)
                throw new ConfigException(mechanismsKey, $"SASL mechanism {mechanism} is not supported; Runnel serves PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512");
            var jaasKey = BrokerConfig.ListenerKey(listener, $"{mechanism.ToLowerInvariant()}.{SecurityConfigs.SaslJaasConfig}");
            var module = mechanism == "PLAIN" ? PlainLoginModule : ScramLoginModule;
            var text = config.PrefixedValue(listener, $"{mechanism.ToLowerInvariant()}.{SecurityConfigs.SaslJaasConfig}")
                ?? throw new ConfigException(jaasKey, $"SASL mechanism {mechanism} on listener {listener} needs its JAAS config, e.g. {module} required user_alice=\"alice-secret\";");
            JaasConfig jaas;
            try
            {
                jaas = JaasConfig.Parse(text, jaasKey);
            }
            catch (JaasConfigException e)
            {
                throw new ConfigException(jaasKey, e.Message);
            }
            if (jaas.LoginModule != module)
                throw new ConfigException(jaasKey, $"{mechanism} needs the login module {module}, not {jaas.LoginModule}");
            foreach (var (option, password) in jaas.Options.Where(o => o.Key.StartsWith("user_", StringComparison.Ordinal)))
            {
                var user = option["user_".Length..];
                if (mechanism == "PLAIN")
                    plain[user] = password;
                else
                    scram[(mechanism, user)] = ScramCredential.Create(ScramMechanism.Find(mechanism)!, password);
            }
        }
        return new SaslSettings(mechanisms, plain, scram, config.GetInt(SecurityConfigs.SaslServerMaxReceiveSize),
            config.GetInt(SecurityConfigs.FailedAuthenticationDelayMs))
        {
            // Validated at load, listener-prefixed spellings included.
            MaxReauthMs = long.Parse(config.ListenerValue(listener, SecurityConfigs.MaxReauthMs) ?? "0", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
