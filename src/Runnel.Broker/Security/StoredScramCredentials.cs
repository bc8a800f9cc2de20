using Runnel.Metadata.Image;
using Runnel.Net.Security;

namespace Runnel.Broker.Security;

/// <summary>
/// The SCRAM credentials of the broker's current metadata image (Kafka's brokers read SCRAM users only from metadata):
/// looked up at each authentication, so a credential added or removed through the quorum counts from the next
/// connection on.
/// </summary>
internal sealed class StoredScramCredentials(Func<MetadataImage> image)
{
    public ScramCredential? Find(ScramMechanism mechanism, string user)
        => image().Scram.Find(user, ScramMechanisms.TypeOf(mechanism.Name)) is { } c ? new ScramCredential(c.Salt, c.StoredKey, c.ServerKey, c.Iterations) : null;
}
