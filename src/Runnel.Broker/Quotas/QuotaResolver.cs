using Runnel.Metadata.Image;

namespace Runnel.Broker.Quotas;

/// <summary>
/// Which quota applies to a client (KIP-55's order, Kafka's DefaultQuotaCallback): the first of user + client-id,
/// user + default client-id, user, default user + client-id, default user + default client-id, default user,
/// client-id, default client-id that sets the key. A null user (no authenticated principal) matches only the
/// client-id entities.
/// </summary>
internal static class QuotaResolver
{
    public static double? Find(ClientQuotasImage quotas, string key, string? user, string clientId)
    {
        if (quotas.Entities.IsEmpty)
            return null;
        IEnumerable<ClientQuotaEntity> Candidates()
        {
            if (user is not null)
            {
                yield return ClientQuotaEntity.Of((ClientQuotaEntity.User, user), (ClientQuotaEntity.ClientId, clientId));
                yield return ClientQuotaEntity.Of((ClientQuotaEntity.User, user), (ClientQuotaEntity.ClientId, null));
                yield return ClientQuotaEntity.Of((ClientQuotaEntity.User, user));
                yield return ClientQuotaEntity.Of((ClientQuotaEntity.User, null), (ClientQuotaEntity.ClientId, clientId));
                yield return ClientQuotaEntity.Of((ClientQuotaEntity.User, null), (ClientQuotaEntity.ClientId, null));
                yield return ClientQuotaEntity.Of((ClientQuotaEntity.User, null));
            }
            yield return ClientQuotaEntity.Of((ClientQuotaEntity.ClientId, clientId));
            yield return ClientQuotaEntity.Of((ClientQuotaEntity.ClientId, null));
        }
        foreach (var entity in Candidates())
        {
            if (quotas.Entities.TryGetValue(entity, out var values) && values.TryGetValue(key, out var value))
                return value;
        }
        return null;
    }
}
