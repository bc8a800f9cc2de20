using System.Net;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>
/// Client quotas (Kafka's ClientQuotaControlManager, KIP-546): each entry of AlterClientQuotas is decided alone. Entity
/// types are user, client-id (alone or together) or ip (alone); an empty name, a repeated type, a repeated key or an
/// entity named twice is INVALID_REQUEST. user and client-id entities take producer_byte_rate, consumer_byte_rate
/// (whole numbers), request_percentage and controller_mutation_rate; ip entities connection_creation_rate (a whole
/// number). A value must be greater than 0; an unknown key is INVALID_REQUEST. Only keys whose value changes are
/// recorded; with validateOnly nothing is.
/// </summary>
public static class ClientQuotaControlManager
{
    public const string ProducerByteRate = "producer_byte_rate";
    public const string ConsumerByteRate = "consumer_byte_rate";
    public const string RequestPercentage = "request_percentage";
    public const string ControllerMutationRate = "controller_mutation_rate";
    public const string ConnectionCreationRate = "connection_creation_rate";

    /// <summary>The keys of user and client-id entities, true for those Kafka types as LONG (whole numbers).</summary>
    private static readonly Dictionary<string, bool> UserAndClientKeys = new(StringComparer.Ordinal)
    {
        [ProducerByteRate] = true,
        [ConsumerByteRate] = true,
        [RequestPercentage] = false,
        [ControllerMutationRate] = false,
    };

    private static readonly Dictionary<string, bool> IpKeys = new(StringComparer.Ordinal) { [ConnectionCreationRate] = true };

    public static ControllerResult<AlterClientQuotasResponse> Alter(MetadataImage image, AlterClientQuotasRequest request)
    {
        var records = new List<IKafkaMessage>();
        var response = new AlterClientQuotasResponse();
        var seen = new HashSet<ClientQuotaEntity>();
        foreach (var entry in request.Entries)
        {
            var entity = new ClientQuotaEntity(entry.Entity.GroupBy(e => e.EntityType, StringComparer.Ordinal).Select(g => KeyValuePair.Create(g.Key, g.First().EntityName)));
            ApiError error;
            if (!seen.Add(entity))
                error = new ApiError(ErrorCode.InvalidRequest, $"Ignoring duplicate entity {entity}");
            else
                error = AlterEntity(image, entry, entity, request.ValidateOnly ? [] : records);
            response.Entries.Add(new AlterClientQuotasResponse.EntryData
            {
                ErrorCode = (short)error.Error,
                ErrorMessage = error.Message,
                Entity = [.. entry.Entity.Select(e => new AlterClientQuotasResponse.EntityData { EntityType = e.EntityType, EntityName = e.EntityName })],
            });
        }
        return new(records, response);
    }

    private static ApiError AlterEntity(MetadataImage image, AlterClientQuotasRequest.EntryData entry, ClientQuotaEntity entity, List<IKafkaMessage> records)
    {
        var ops = new Dictionary<string, AlterClientQuotasRequest.OpData>(StringComparer.Ordinal);
        foreach (var op in entry.Ops)
        {
            if (!ops.TryAdd(op.Key, op))
                return new ApiError(ErrorCode.InvalidRequest, $"Duplicate quota key {op.Key} not updating quota for this entity {entity}");
        }
        if (entry.Entity.Count == 0)
            return new ApiError(ErrorCode.InvalidRequest, "Invalid empty client quota entity");
        foreach (var part in entry.Entity)
        {
            if (entry.Entity.Count(e => e.EntityType == part.EntityType) > 1)
                return new ApiError(ErrorCode.InvalidRequest, $"Invalid client quota entity, duplicate entity entry {part.EntityType}");
            if (part.EntityType is not (ClientQuotaEntity.User or ClientQuotaEntity.ClientId or ClientQuotaEntity.Ip))
                return new ApiError(ErrorCode.InvalidRequest, $"Unhandled client quota entity type: {part.EntityType}");
            if (part.EntityName is { Length: 0 })
                return new ApiError(ErrorCode.InvalidRequest, $"Empty {part.EntityType} not supported");
        }
        Dictionary<string, bool> keys;
        if (entity.Parts.TryGetValue(ClientQuotaEntity.Ip, out var ip))
        {
            if (entity.Parts.Count > 1)
                return new ApiError(ErrorCode.InvalidRequest, "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId");
            if (ip is not null && !IPAddress.TryParse(ip, out _))
                return new ApiError(ErrorCode.InvalidRequest, $"{ip} is not a valid IP or resolvable host.");
            keys = IpKeys;
        }
        else
        {
            keys = UserAndClientKeys;
        }
        var current = image.ClientQuotas.For(entity);
        var changes = new List<IKafkaMessage>();
        foreach (var op in ops.Values)
        {
            if (op.Remove)
            {
                if (current.ContainsKey(op.Key))
                    changes.Add(Record(entity, op.Key, 0, remove: true));
                continue;
            }
            if (!keys.TryGetValue(op.Key, out var integral))
                return new ApiError(ErrorCode.InvalidRequest, $"Invalid configuration key {op.Key}");
            if (op.Value <= 0.0)
                return new ApiError(ErrorCode.InvalidRequest, $"Quota {op.Key} must be greater than 0");
            if (integral && Math.Abs(op.Value % 1.0) > 1e-6)
                return new ApiError(ErrorCode.InvalidRequest, $"{op.Key} cannot be a fractional value.");
            if (!current.TryGetValue(op.Key, out var old) || old != op.Value)
                changes.Add(Record(entity, op.Key, op.Value, remove: false));
        }
        records.AddRange(changes);
        return ApiError.None;
    }

    private static ClientQuotaRecord Record(ClientQuotaEntity entity, string key, double value, bool remove) => new()
    {
        Entity = [.. entity.Parts.Select(p => new ClientQuotaRecord.EntityData { EntityType = p.Key, EntityName = p.Value })],
        Key = key,
        Value = value,
        Remove = remove,
    };
}
