using System.Collections.Immutable;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Image;

/// <summary>
/// The SCRAM-credential and client-quota part of a <see cref="MetadataDelta"/>. As Kafka's ScramControlManager does,
/// the removal of a credential that is not there means the log is not what the controller wrote.
/// </summary>
internal sealed class SecurityDelta(MetadataImage image)
{
    private readonly ImmutableSortedDictionary<string, ImmutableSortedDictionary<ScramMechanismType, ScramCredentialData>>.Builder _users = image.Scram.Users.ToBuilder();
    private readonly ImmutableDictionary<ClientQuotaEntity, ImmutableSortedDictionary<string, double>>.Builder _quotas = image.ClientQuotas.Entities.ToBuilder();

    public ScramImage Scram => new(_users.ToImmutable());

    public ClientQuotasImage ClientQuotas => new(_quotas.ToImmutable());

    public void Replay(IKafkaMessage record)
    {
        switch (record)
        {
            case UserScramCredentialRecord credential:
                var mechanisms = _users.GetValueOrDefault(credential.Name) ?? ImmutableSortedDictionary<ScramMechanismType, ScramCredentialData>.Empty;
                _users[credential.Name] = mechanisms.SetItem((ScramMechanismType)credential.Mechanism,
                    new ScramCredentialData(credential.Salt, credential.StoredKey, credential.ServerKey, credential.Iterations));
                break;
            case RemoveUserScramCredentialRecord removal:
                var mechanism = (ScramMechanismType)removal.Mechanism;
                if (!_users.TryGetValue(removal.Name, out var held) || !held.ContainsKey(mechanism))
                    throw new InvalidDataException($"Removal of unknown SCRAM credential of {removal.Name} ({mechanism}).");
                held = held.Remove(mechanism);
                if (held.IsEmpty)
                    _users.Remove(removal.Name);
                else
                    _users[removal.Name] = held;
                break;
            case ClientQuotaRecord quota:
                var entity = new ClientQuotaEntity(quota.Entity.Select(e => KeyValuePair.Create(e.EntityType, e.EntityName)));
                var values = _quotas.GetValueOrDefault(entity) ?? ImmutableSortedDictionary.Create<string, double>(StringComparer.Ordinal);
                values = quota.Remove ? values.Remove(quota.Key) : values.SetItem(quota.Key, quota.Value);
                if (values.IsEmpty)
                    _quotas.Remove(entity);
                else
                    _quotas[entity] = values;
                break;
        }
    }
}
