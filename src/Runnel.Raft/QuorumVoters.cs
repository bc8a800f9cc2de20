using System.Globalization;

namespace Runnel.Raft;

/// <summary>One voter of a static quorum: its node id and where its controller listener is reached.</summary>
public sealed record VoterEndpoint(int Id, string Host, int Port)
{
    public override string ToString() => $"{Id}@{Host}:{Port}";
}

/// <summary>
/// The static voter set from <c>controller.quorum.voters</c> (<c>id@host:port,...</c>), as in Kafka's kraft.version
/// 0. Every decision that needs "a majority" asks this set; non-voters may fetch (observers) but never count.
/// </summary>
public sealed class QuorumVoters
{
    private readonly Dictionary<int, VoterEndpoint> _byId;

    public QuorumVoters(IEnumerable<VoterEndpoint> voters)
    {
        _byId = voters.ToDictionary(v => v.Id);
        if (_byId.Count == 0)
            throw new ArgumentException("A quorum needs at least one voter.", nameof(voters));
        Ids = [.. _byId.Keys.Order()];
    }

    /// <summary>Voter ids in ascending order.</summary>
    public IReadOnlyList<int> Ids { get; }

    public int Count => Ids.Count;

    /// <summary>The smallest number of voters that is more than half: any two such sets share a voter.</summary>
    public int MajoritySize => Count / 2 + 1;

    public bool Contains(int id) => _byId.ContainsKey(id);

    public VoterEndpoint this[int id] => _byId[id];

    public IEnumerable<VoterEndpoint> Endpoints => Ids.Select(id => _byId[id]);

    /// <summary>A lone voter on this node, for the single-node default (it needs no controller listener).</summary>
    public static QuorumVoters Single(int nodeId) => new([new VoterEndpoint(nodeId, "localhost", 0)]);

    /// <summary>Parses <c>1@host:9093,2@[::1]:9093</c>; throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static QuorumVoters Parse(string text)
    {
        var voters = new List<VoterEndpoint>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = raw.IndexOf('@', StringComparison.Ordinal);
            var colon = raw.LastIndexOf(':');
            if (at <= 0 || colon <= at + 1 || colon == raw.Length - 1
                || !int.TryParse(raw.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                || !int.TryParse(raw.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                throw new FormatException($"'{raw}' is not id@host:port");
            var host = raw[(at + 1)..colon];
            if (host.StartsWith('[') && host.EndsWith(']'))
                host = host[1..^1];
            if (voters.Any(v => v.Id == id))
                throw new FormatException($"voter {id} is listed twice");
            voters.Add(new VoterEndpoint(id, host, port));
        }
        return new QuorumVoters(voters);
    }

    public override string ToString() => string.Join(',', Endpoints);
}
