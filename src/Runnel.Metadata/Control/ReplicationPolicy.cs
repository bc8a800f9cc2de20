using Runnel.Metadata.Image;

namespace Runnel.Metadata.Control;

/// <summary>
/// What the controller's replication decisions need from the broker's configs: whether a topic allows unclean leader
/// elections (its unclean.leader.election.enable, else the cluster's dynamic default, else the static one).
/// </summary>
public sealed record ReplicationPolicy(Func<MetadataImage, string, bool> UncleanLeaderElection)
{
    public static readonly ReplicationPolicy Default = new((_, _) => false);

    public LeaderElection ElectionFor(MetadataImage image, string topic) => UncleanLeaderElection(image, topic) ? LeaderElection.Unclean : LeaderElection.Online;
}
