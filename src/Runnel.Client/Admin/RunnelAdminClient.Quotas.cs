using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>
/// A client quota entity (Kafka's ClientQuotaEntity): entity types "user", "client-id" or "ip" mapped to a name, a
/// null name standing for that type's default.
/// </summary>
public sealed record QuotaEntity(IReadOnlyDictionary<string, string?> Parts)
{
    public static QuotaEntity ClientId(string? clientId) => new(new Dictionary<string, string?> { ["client-id"] = clientId });

    public static QuotaEntity Of(params (string Type, string? Name)[] parts) => new(parts.ToDictionary(p => p.Type, p => p.Name, StringComparer.Ordinal));

    public override string ToString() => string.Join(", ", Parts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value ?? "<default>"}"));
}

/// <summary>One quota key to set (a value) or remove (null): producer_byte_rate, consumer_byte_rate, request_percentage, ...</summary>
public sealed record QuotaChange(string Key, double? Value);

/// <summary>How a <see cref="QuotaFilterComponent"/> matches names: one name, the default, or any.</summary>
public enum QuotaMatch : sbyte
{
    Exact = 0,
    Default = 1,
    Any = 2,
}

/// <summary>One entity type of a quota filter (Kafka's ClientQuotaFilterComponent).</summary>
public sealed record QuotaFilterComponent(string EntityType, QuotaMatch Match, string? Name = null);

/// <summary>The outcome for one entity of <see cref="RunnelAdminClient.AlterClientQuotasAsync"/>.</summary>
public sealed record QuotaResult(QuotaEntity Entity, ErrorCode Error, string? ErrorMessage)
{
    public bool Succeeded => Error == ErrorCode.None;

    public override string ToString() => string.IsNullOrEmpty(ErrorMessage) ? $"{Entity}: {ErrorCodes.Name(Error)}" : $"{Entity}: {ErrorCodes.Name(Error)}: {ErrorMessage}";
}

/// <summary>Client quotas (Kafka's Admin.alterClientQuotas and describeClientQuotas, KIP-546).</summary>
public sealed partial class RunnelAdminClient
{
    /// <summary>
    /// Sets or removes quota keys per entity; one result per entity (INVALID_REQUEST for an unknown key, a value not
    /// above 0, a bad entity). With <paramref name="validateOnly"/> the cluster checks without changing anything.
    /// </summary>
    public async Task<IReadOnlyList<QuotaResult>> AlterClientQuotasAsync(IEnumerable<(QuotaEntity Entity, IReadOnlyList<QuotaChange> Changes)> alterations,
        bool validateOnly = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alterations);
        var request = new AlterClientQuotasRequest
        {
            ValidateOnly = validateOnly,
            Entries = [.. alterations.Select(a => new AlterClientQuotasRequest.EntryData
            {
                Entity = [.. a.Entity.Parts.Select(p => new AlterClientQuotasRequest.EntityData { EntityType = p.Key, EntityName = p.Value })],
                Ops = [.. a.Changes.Select(c => new AlterClientQuotasRequest.OpData { Key = c.Key, Value = c.Value ?? 0, Remove = c.Value is null })],
            })],
        };
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var response = await connection.SendAsync<AlterClientQuotasResponse>(ApiKey.AlterClientQuotas, request, cancellationToken).ConfigureAwait(false);
        return [.. response.Entries.Select(e => new QuotaResult(new QuotaEntity(e.Entity.ToDictionary(p => p.EntityType, p => p.EntityName, StringComparer.Ordinal)),
            (ErrorCode)e.ErrorCode, e.ErrorMessage))];
    }

    /// <summary>The quotas of every entity matching the filter (all entities when it is empty and not strict).</summary>
    public async Task<IReadOnlyList<(QuotaEntity Entity, IReadOnlyDictionary<string, double> Values)>> DescribeClientQuotasAsync(IEnumerable<QuotaFilterComponent> filter,
        bool strict = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var request = new DescribeClientQuotasRequest
        {
            Strict = strict,
            Components = [.. filter.Select(c => new DescribeClientQuotasRequest.ComponentData { EntityType = c.EntityType, MatchType = (sbyte)c.Match, Match = c.Name })],
        };
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var response = await connection.SendAsync<DescribeClientQuotasResponse>(ApiKey.DescribeClientQuotas, request, cancellationToken).ConfigureAwait(false);
        RunnelException.ThrowIfError(response.ErrorCode, "Describing client quotas", response.ErrorMessage);
        return [.. (response.Entries ?? []).Select(e => (new QuotaEntity(e.Entity.ToDictionary(p => p.EntityType, p => p.EntityName, StringComparer.Ordinal)),
            (IReadOnlyDictionary<string, double>)e.Values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal)))];
    }
}
