namespace Runnel.Broker.Configuration;

/// <summary>Typed views of the keys the broker reads often, with Kafka's precedence between synonyms.</summary>
public sealed partial class BrokerConfig
{
    private IReadOnlyDictionary<string, string>? _topicDefaults;

    public IReadOnlyList<ListenerAddress> Listeners { get; }

    public IReadOnlyList<ListenerAddress> AdvertisedListeners { get; }

    /// <summary>node.id, or the older broker.id when only that is set.</summary>
    public int NodeId => IsSet("node.id") || !IsSet("broker.id") ? GetInt("node.id") : GetInt("broker.id");

    public IReadOnlyList<string> LogDirs => IsSet("log.dirs") ? GetList("log.dirs") : [GetString("log.dir")!];

    public int SocketRequestMaxBytes => GetInt("socket.request.max.bytes");

    /// <summary>process.roles includes broker: serves clients (topics, produce, fetch).</summary>
    public bool IsBroker => GetList("process.roles").Contains("broker", StringComparer.Ordinal);

    /// <summary>process.roles includes controller: a voter of the metadata quorum.</summary>
    public bool IsController => GetList("process.roles").Contains("controller", StringComparer.Ordinal);

    /// <summary>Where the metadata log and quorum state live: metadata.log.dir, else "__cluster_metadata" in the first log dir.</summary>
    public string MetadataLogDir => GetString("metadata.log.dir") ?? Path.Combine(LogDirs[0], "__cluster_metadata");

    /// <summary>
    /// controller.quorum.voters, or this node alone when unset (the single-node default, which needs no controller
    /// listener).
    /// </summary>
    public Runnel.Raft.QuorumVoters QuorumVoters
    {
        get
        {
            var voters = GetString("controller.quorum.voters");
            if (string.IsNullOrWhiteSpace(voters))
                return Runnel.Raft.QuorumVoters.Single(NodeId);
            try
            {
                return Runnel.Raft.QuorumVoters.Parse(voters);
            }
            catch (FormatException e)
            {
                throw new ConfigException("controller.quorum.voters", e.Message);
            }
        }
    }

    /// <summary>process.roles=broker alone: follows a remote quorum as an observer and forwards admin requests to it.</summary>
    public bool IsBrokerOnly => IsBroker && !IsController;

    /// <summary>log.retention.ms, else minutes, else hours, as in Kafka; -1 keeps data forever.</summary>
    public long RetentionMs
    {
        get
        {
            if (IsSet("log.retention.ms"))
                return GetLong("log.retention.ms");
            var minutes = IsSet("log.retention.minutes") ? GetLong("log.retention.minutes") : GetLong("log.retention.hours") * 60;
            return minutes < 0 ? -1 : minutes * 60_000;
        }
    }

    public long RollMs => IsSet("log.roll.ms") ? GetLong("log.roll.ms") : GetLong("log.roll.hours") * 3_600_000;

    /// <summary>The listeners that serve clients (not the controller listeners).</summary>
    public IReadOnlyList<ListenerAddress> ClientListeners
    {
        get
        {
            var controllers = GetList("controller.listener.names");
            return Listeners.Where(l => !controllers.Contains(l.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        }
    }

    /// <summary>
    /// Topic defaults taken from the broker keys that are their synonyms (log.retention.* for retention.ms and so
    /// on), for topics that do not override them.
    /// </summary>
    public IReadOnlyDictionary<string, string> TopicDefaults() => _topicDefaults ??= BuildTopicDefaults();

    private Dictionary<string, string> BuildTopicDefaults()
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (definition, synonym) in TopicConfigs.All)
        {
            var value = synonym switch
            {
                "log.retention.ms" => RetentionMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "log.roll.ms" => RollMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "log.message.timestamp.before.max.ms" or "log.message.timestamp.after.max.ms"
                    => TopicConfigs.TimestampBound(synonym, "log.message.timestamp.difference.max.ms", GetString),
                _ => GetString(synonym) ?? definition.Default,
            };
            if (value is not null)
                defaults[definition.Name] = value;
        }
        return defaults;
    }

    private void Validate()
    {
        if (!IsBroker && !IsController)
            throw new ConfigException("process.roles", "needs broker, controller, or both");
        var voters = QuorumVoters;
        if (IsController && !voters.Contains(NodeId))
            throw new ConfigException("controller.quorum.voters", $"node.id {NodeId} is a controller but not one of the voters {voters}");
        if (!IsController)
            ValidateBrokerOnly(voters);
        if (IsController && voters.Count > 1 && !Listeners.Any(l => GetList("controller.listener.names").Contains(l.Name, StringComparer.OrdinalIgnoreCase)))
            throw new ConfigException("listeners", "a controller in a quorum of several voters needs a listener named in controller.listener.names");
        if (Listeners.Count == 0)
            throw new ConfigException("listeners", "at least one listener is required");
        if (LogDirs.Count == 0)
            throw new ConfigException("log.dirs", "at least one directory is required");
        if (AdvertisedListeners.Any(l => l.Port == 0 && Listeners.All(b => b.Name != l.Name)))
            throw new ConfigException("advertised.listeners", "port 0 is only allowed for a listener that is also bound");
        foreach (var advertised in AdvertisedListeners)
        {
            if (Listeners.All(l => !l.Name.Equals(advertised.Name, StringComparison.OrdinalIgnoreCase)))
                throw new ConfigException("advertised.listeners", $"{advertised.Name} is not one of the listeners");
        }
        ValidateSecurity();
    }

    /// <summary>Kafka's checks for a broker-only node: it reaches the voters through their controller listener and serves none itself.</summary>
    private void ValidateBrokerOnly(Runnel.Raft.QuorumVoters voters)
    {
        if (string.IsNullOrWhiteSpace(GetString("controller.quorum.voters")))
            throw new ConfigException("controller.quorum.voters", "a broker without the controller role needs the voters of the quorum it follows");
        if (voters.Contains(NodeId))
            throw new ConfigException("node.id", $"node.id {NodeId} is one of the voters {voters}, but process.roles has no controller role");
        var controllerListeners = GetList("controller.listener.names");
        if (controllerListeners.Count == 0)
            throw new ConfigException("controller.listener.names", "needs at least one value when running with just the broker role");
        if (Listeners.FirstOrDefault(l => controllerListeners.Contains(l.Name, StringComparer.OrdinalIgnoreCase)) is { } controller)
            throw new ConfigException("listeners", $"{controller.Name} is a controller listener, which a node with just the broker role must not have");
    }
}
