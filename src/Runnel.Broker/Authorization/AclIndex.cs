using Runnel.Metadata.Image;
using Runnel.Protocol.Acls;

namespace Runnel.Broker.Authorization;

/// <summary>
/// The ACLs of one <see cref="AclsImage"/> arranged for lookups by resource, per resource type: LITERAL ones by
/// name, the LITERAL "*" ones, and PREFIXED ones by prefix with the distinct prefix lengths, so a check looks up the
/// name, the wildcard and each prefix of the name (as spans, without allocating) instead of walking every ACL.
/// </summary>
internal sealed class AclIndex
{
    private readonly TypeIndex?[] _types = new TypeIndex?[(int)AclResourceType.User + 1];

    public AclIndex(AclsImage source)
    {
        Source = source;
        foreach (var group in source.ById.Values.GroupBy(a => a.ResourceType))
        {
            if ((int)group.Key < 0 || (int)group.Key >= _types.Length)
                continue;
            _types[(int)group.Key] = new TypeIndex(group);
        }
    }

    /// <summary>The image this index was built from.</summary>
    public AclsImage Source { get; }

    public static readonly AclIndex Empty = new(AclsImage.Empty);

    /// <summary>The ACLs of <paramref name="type"/>, or null when there are none.</summary>
    public TypeIndex? For(AclResourceType type) => (int)type >= 0 && (int)type < _types.Length ? _types[(int)type] : null;

    internal sealed class TypeIndex
    {
        private readonly Dictionary<string, StandardAcl[]> _literal;
        private readonly Dictionary<string, StandardAcl[]>.AlternateLookup<ReadOnlySpan<char>> _literalSpans;
        private readonly Dictionary<string, StandardAcl[]> _prefixed;
        private readonly Dictionary<string, StandardAcl[]>.AlternateLookup<ReadOnlySpan<char>> _prefixedSpans;

        public TypeIndex(IEnumerable<StandardAcl> acls)
        {
            var list = acls.ToList();
            _literal = list.Where(a => a.PatternType == AclPatternType.Literal && a.ResourceName != StandardAcl.Wildcard)
                .GroupBy(a => a.ResourceName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
            _prefixed = list.Where(a => a.PatternType == AclPatternType.Prefixed)
                .GroupBy(a => a.ResourceName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
            _literalSpans = _literal.GetAlternateLookup<ReadOnlySpan<char>>();
            _prefixedSpans = _prefixed.GetAlternateLookup<ReadOnlySpan<char>>();
            Wildcard = [.. list.Where(a => a.PatternType == AclPatternType.Literal && a.ResourceName == StandardAcl.Wildcard)];
            PrefixLengths = [.. _prefixed.Keys.Select(k => k.Length).Distinct().Order()];
        }

        /// <summary>The LITERAL "*" ACLs: they apply to every resource of the type.</summary>
        public StandardAcl[] Wildcard { get; }

        /// <summary>The distinct lengths of the PREFIXED ACLs' names, ascending.</summary>
        public int[] PrefixLengths { get; }

        public StandardAcl[]? Literal(string name) => _literalSpans.TryGetValue(name, out var acls) ? acls : null;

        public StandardAcl[]? Prefixed(ReadOnlySpan<char> prefix) => _prefixedSpans.TryGetValue(prefix, out var acls) ? acls : null;
    }
}
