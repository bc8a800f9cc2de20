namespace Runnel.Metadata.Image;

/// <summary>
/// The cluster metadata at one committed offset, immutable: readers take a reference and never see a half-applied
/// change. A <see cref="MetadataDelta"/> replays records on top of one image and yields the next.
/// </summary>
public sealed record MetadataImage(long Offset, TopicsImage Topics, ConfigsImage Configs, ClusterImage Cluster)
{
    /// <summary>The state before any record: offset -1.</summary>
    public static readonly MetadataImage Empty = new(-1, TopicsImage.Empty, ConfigsImage.Empty, ClusterImage.Empty);

    /// <summary>The access control entries (AccessControlEntryRecord), by id.</summary>
    public AclsImage Acls { get; init; } = AclsImage.Empty;

    /// <summary>The SCRAM credentials (UserScramCredentialRecord).</summary>
    public ScramImage Scram { get; init; } = ScramImage.Empty;

    /// <summary>The client quotas (ClientQuotaRecord).</summary>
    public ClientQuotasImage ClientQuotas { get; init; } = ClientQuotasImage.Empty;

    public bool IsEmpty => Topics.ById.IsEmpty && Configs.Resources.IsEmpty && Cluster.Brokers.IsEmpty && Cluster.NextProducerId == 0
        && Acls.ById.IsEmpty && Scram.Users.IsEmpty && ClientQuotas.Entities.IsEmpty;
}
