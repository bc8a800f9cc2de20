using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Control;

/// <summary>
/// DescribeClientQuotas against an image (Kafka's ClientQuotasImage.describe): each filter component names an entity
/// type and matches an exact name (0), the default (1, a null name) or any name (2); an entity matches when every
/// component does and, with strict, it has no other types. A bad filter is a top-level INVALID_REQUEST.
/// </summary>
public static class ClientQuotaDescriber
{
    public static DescribeClientQuotasResponse Describe(MetadataImage image, DescribeClientQuotasRequest request)
    {
        var filter = new Dictionary<string, DescribeClientQuotasRequest.ComponentData>(StringComparer.Ordinal);
        foreach (var component in request.Components)
        {
            var problem = component switch
            {
                { EntityType.Length: 0 } => "Invalid empty entity type.",
                _ when filter.ContainsKey(component.EntityType) => $"Entity type {component.EntityType} cannot appear more than once in the filter.",
                { MatchType: 0, Match: null } => "Request specified MATCH_TYPE_EXACT, but set match string to null.",
                { MatchType: 1 or 2, Match: not null } => $"Request specified MATCH_TYPE_{(component.MatchType == 1 ? "DEFAULT" : "ANY")}, but also specified a match string.",
                { MatchType: < 0 or > 2 } => $"Unknown match type {component.MatchType}",
                _ => null,
            };
            if (problem is not null)
                return new DescribeClientQuotasResponse { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = problem, Entries = null };
            filter[component.EntityType] = component;
        }
        if (filter.ContainsKey(ClientQuotaEntity.Ip) && (filter.ContainsKey(ClientQuotaEntity.User) || filter.ContainsKey(ClientQuotaEntity.ClientId)))
            return new DescribeClientQuotasResponse { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = "Invalid entity filter component combination, IP filter component should not be used with user or clientId filter component.", Entries = null };
        var response = new DescribeClientQuotasResponse { Entries = [] };
        foreach (var (entity, values) in image.ClientQuotas.Entities)
        {
            if (request.Strict && entity.Parts.Count != filter.Count)
                continue;
            if (!filter.Values.All(c => entity.Parts.TryGetValue(c.EntityType, out var name) && c.MatchType switch
            {
                0 => name == c.Match,
                1 => name is null,
                _ => true,
            }))
                continue;
            response.Entries.Add(new DescribeClientQuotasResponse.EntryData
            {
                Entity = [.. entity.Parts.Select(p => new DescribeClientQuotasResponse.EntityData { EntityType = p.Key, EntityName = p.Value })],
                Values = [.. values.Select(v => new DescribeClientQuotasResponse.ValueData { Key = v.Key, Value = v.Value })],
            });
        }
        return response;
    }
}
