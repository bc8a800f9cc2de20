using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Raft;
using Runnel.Raft.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeQuorum v0-2 (kafka-metadata-quorum, runnel cluster quorum): the leader, epoch and high watermark of the
/// metadata partition and each voter's log end and last fetch. Only the leader knows the replicas' progress; any
/// other node answers NOT_LEADER_OR_FOLLOWER with the leader and epoch it knows, so a tool can go there. v1+ adds
/// fetch and caught-up times (wall clock ms), v2 the voters' endpoints. A broker-only node passes the request to the
/// active controller.
/// With an authorizer, needs DESCRIBE on the cluster (CLUSTER_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class DescribeQuorumHandler : ApiHandler<DescribeQuorumRequest, DescribeQuorumResponse>
{
    public override ApiKey Key => ApiKey.DescribeQuorum;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<DescribeQuorumResponse?> HandleAsync(RequestContext context, DescribeQuorumRequest request)
    {
        if (!context.AuthorizeCluster(AclOperation.Describe))
            return new DescribeQuorumResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed };
        var quorum = context.Broker.Quorum;
        // A broker-only node only follows: the active controller answers (Kafka's brokers forward DescribeQuorum).
        if (!quorum.IsVoter && quorum.Forwarder is { } forwarder
            && await forwarder.RelayAsync<DescribeQuorumResponse>(Key, context.Version, request, context.Cancellation).ConfigureAwait(false) is { } relayed)
        {
            return relayed;
        }
        var description = await quorum.Driver.InvokeAsync(node => node.Describe()).ConfigureAwait(false);
        // The node's clock counts from the driver's start; DescribeQuorum speaks wall-clock milliseconds.
        var wallOffset = context.Broker.Time.GetUtcNow().ToUnixTimeMilliseconds() - quorum.Driver.NowMs;
        DescribeQuorumResponse.ReplicaState State(ReplicaDescription r) => new()
        {
            ReplicaId = r.Id,
            LogEndOffset = r.LogEndOffset,
            LastFetchTimestamp = r.LastFetchTimestamp < 0 ? -1 : r.LastFetchTimestamp + wallOffset,
            LastCaughtUpTimestamp = r.LastCaughtUpTimestamp < 0 ? -1 : r.LastCaughtUpTimestamp + wallOffset,
        };
        var partition = new DescribeQuorumResponse.PartitionData
        {
            ErrorCode = (short)(description.IsLeader ? ErrorCode.None : ErrorCode.NotLeaderOrFollower),
            ErrorMessage = null,
            LeaderId = description.LeaderId ?? -1,
            LeaderEpoch = description.Epoch,
            HighWatermark = description.HighWatermark,
            CurrentVoters = [.. description.Voters.Select(State)],
            Observers = [.. description.Observers.Select(State)],
        };
        return new DescribeQuorumResponse
        {
            ErrorMessage = null,
            Topics = [new() { TopicName = RaftRequests.MetadataTopic, Partitions = [partition] }],
            Nodes = [.. quorum.Voters.Endpoints.Select(v => new DescribeQuorumResponse.Node
            {
                NodeId = v.Id,
                Listeners = [VoterListener(context.Broker, v.Id, v.Host, v.Port)],
            })],
        };
    }

    /// <summary>
    /// A voter's endpoint as controller.quorum.voters names it. This node's own entry without a port (a lone voter
    /// whose quorum needs no address: zero config) is where it is reachable: its controller listener, else the
    /// listener the client came in on, with the bound port.
    /// </summary>
    private static DescribeQuorumResponse.Listener VoterListener(BrokerServices broker, int id, string host, int port)
    {
        if (id != broker.NodeId || port != 0)
            return new() { Name = broker.ControllerListenerName, Host = host, Port = (ushort)port };
        if (broker.BoundEndpoints.TryGetValue(broker.ControllerListenerName, out var controller))
            return new() { Name = broker.ControllerListenerName, Host = Reachable(controller.Host), Port = (ushort)controller.Port };
        var (name, (advertisedHost, advertisedPort)) = broker.AdvertisedEndpoints.First();
        return new() { Name = name, Host = advertisedHost, Port = (ushort)advertisedPort };
    }

    private static string Reachable(string host) => host is "" or "0.0.0.0" or "::" or "[::]" ? System.Net.Dns.GetHostName() : host;
}
