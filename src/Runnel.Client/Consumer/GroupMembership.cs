using Runnel.Client.Metadata;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Client.Consumer;

/// <summary>
/// A consumer's membership of a classic group: JoinGroup (with the member-id round trip), SyncGroup (computing
/// the range assignment when elected leader), heartbeats in the background, and LeaveGroup. Rebalances are eager:
/// when the coordinator asks for one, the consumer gives up its partitions and joins again on its next poll.
/// </summary>
internal sealed class GroupMembership : IAsyncDisposable
{
    private readonly ClusterClient _cluster;
    private readonly ConsumerOptions _options;
    private readonly string _groupId;
    private readonly CancellationTokenSource _stopping = new();
    private Task _heartbeats = Task.CompletedTask;
    private volatile bool _rejoinNeeded = true;
    private volatile bool _joining;

    public GroupMembership(ClusterClient cluster, ConsumerOptions options, string groupId)
    {
        _cluster = cluster;
        _options = options;
        _groupId = groupId;
    }

    public string MemberId { get; private set; } = "";

    public int GenerationId { get; private set; } = -1;

    /// <summary>Set when the coordinator started a rebalance (or forgot this member): the next poll joins again.</summary>
    public bool RejoinNeeded => _rejoinNeeded;

    /// <summary>Joins (or rejoins) the group and returns this member's partitions for the new generation.</summary>
    public async Task<IReadOnlyList<TopicPartition>> JoinAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        _joining = true;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var joined = await SendJoinAsync(topics, cancellationToken).ConfigureAwait(false);
                if (joined is null)
                    continue;
                var assignments = joined.Leader == joined.MemberId ? await AssignAsync(joined, cancellationToken).ConfigureAwait(false) : [];
                var synced = await SendSyncAsync(joined, assignments, cancellationToken).ConfigureAwait(false);
                if (synced is null)
                    continue;
                _rejoinNeeded = false;
                if (_heartbeats.IsCompleted)
                    _heartbeats = HeartbeatLoopAsync(_stopping.Token);
                var assignment = synced.Length == 0 ? null : ConsumerProtocol.ReadAssignment(synced, out _);
                return [.. (assignment?.AssignedPartitions ?? []).SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p)))];
            }
        }
        finally
        {
            _joining = false;
        }
    }

    /// <summary>Commits offsets as this member of the current generation.</summary>
    public Task CommitAsync(IReadOnlyDictionary<TopicPartition, long> offsets, CancellationToken cancellationToken)
        => _cluster.CommitAsync(_groupId, GenerationId, MemberId, _options.GroupInstanceId, offsets, cancellationToken);

    /// <summary>Marks the membership as needing a new join, after a commit or fetch learned the generation is over.</summary>
    public void RequestRejoin(ErrorCode error)
    {
        if (error is ErrorCode.UnknownMemberId or ErrorCode.FencedInstanceId)
            MemberId = "";
        if (error is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId or ErrorCode.FencedInstanceId)
            _rejoinNeeded = true;
    }

    private async Task<JoinGroupResponse?> SendJoinAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        var connection = await _cluster.CoordinatorAsync(_groupId, cancellationToken).ConfigureAwait(false);
        var request = new JoinGroupRequest
        {
            GroupId = _groupId,
            SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
            RebalanceTimeoutMs = (int)_options.RebalanceTimeout.TotalMilliseconds,
            MemberId = MemberId,
            GroupInstanceId = _options.GroupInstanceId,
            ProtocolType = ConsumerProtocol.ProtocolType,
            Protocols = [new() { Name = RangeAssignor.Name, Metadata = ConsumerProtocol.Write(new ConsumerProtocolSubscription { Topics = [.. topics] }, 0) }],
        };
        var response = await connection.SendAsync<JoinGroupResponse>(ApiKey.JoinGroup, request, cancellationToken,
            timeout: _options.RebalanceTimeout + _options.RequestTimeout).ConfigureAwait(false);
        var error = (ErrorCode)response.ErrorCode;
        if (error == ErrorCode.None)
        {
            (MemberId, GenerationId) = (response.MemberId, response.GenerationId);
            return response;
        }
        if (error == ErrorCode.MemberIdRequired)
            MemberId = response.MemberId;
        else if (!await RecoverAsync(error, cancellationToken).ConfigureAwait(false))
            throw RunnelException.FromError(error, $"Joining group '{_groupId}'");
        return null;
    }

    private async Task<byte[]?> SendSyncAsync(JoinGroupResponse joined, List<SyncGroupRequest.SyncGroupRequestAssignment> assignments, CancellationToken cancellationToken)
    {
        var connection = await _cluster.CoordinatorAsync(_groupId, cancellationToken).ConfigureAwait(false);
        var request = new SyncGroupRequest
        {
            GroupId = _groupId,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            GroupInstanceId = _options.GroupInstanceId,
            ProtocolType = ConsumerProtocol.ProtocolType,
            ProtocolName = joined.ProtocolName,
            Assignments = assignments,
        };
        var response = await connection.SendAsync<SyncGroupResponse>(ApiKey.SyncGroup, request, cancellationToken,
            timeout: _options.RebalanceTimeout + _options.RequestTimeout).ConfigureAwait(false);
        var error = (ErrorCode)response.ErrorCode;
        if (error == ErrorCode.None)
            return response.Assignment;
        if (!await RecoverAsync(error, cancellationToken).ConfigureAwait(false))
            throw RunnelException.FromError(error, $"Syncing with group '{_groupId}'");
        return null;
    }

    /// <summary>What to do about a join or sync error: true to try again (after any fix-up), false when it is fatal.</summary>
    private async Task<bool> RecoverAsync(ErrorCode error, CancellationToken cancellationToken)
    {
        switch (error)
        {
            case ErrorCode.UnknownMemberId:
                MemberId = "";
                return true;
            case ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration:
                return true;
            case ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress:
                _cluster.ForgetCoordinator(_groupId);
                await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    /// <summary>As leader: the range assignment of every member's subscription over the topics' current partitions.</summary>
    private async Task<List<SyncGroupRequest.SyncGroupRequestAssignment>> AssignAsync(JoinGroupResponse joined, CancellationToken cancellationToken)
    {
        var subscriptions = joined.Members.ToDictionary(m => m.MemberId,
            m => (IReadOnlyList<string>)(ConsumerProtocol.ReadSubscription(m.Metadata, out _)?.Topics ?? []), StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in subscriptions.Values.SelectMany(t => t).Distinct())
        {
            try
            {
                var info = await _cluster.GetTopicAsync(topic, allowAutoCreate: false, cancellationToken, forceRefresh: true).ConfigureAwait(false);
                counts[topic] = info.Partitions.Count;
            }
            catch (RunnelException e) when (e.ErrorCode == ErrorCode.UnknownTopicOrPartition)
            {
                // A subscribed topic that does not exist yet gets no partitions.
            }
        }
        return [.. RangeAssignor.Assign(subscriptions, counts).Select(a => new SyncGroupRequest.SyncGroupRequestAssignment
        {
            MemberId = a.Key,
            Assignment = ConsumerProtocol.Write(new ConsumerProtocolAssignment
            {
                AssignedPartitions = [.. a.Value.GroupBy(p => p.Topic).Select(t => new ConsumerProtocolAssignment.TopicPartition { Topic = t.Key, Partitions = [.. t.Select(p => p.Partition)] })],
            }, 0),
        })];
    }

    private async Task HeartbeatLoopAsync(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.HeartbeatInterval, stopping).ConfigureAwait(false);
                if (_joining || _rejoinNeeded)
                    continue;
                try
                {
                    var connection = await _cluster.CoordinatorAsync(_groupId, stopping).ConfigureAwait(false);
                    var request = new HeartbeatRequest { GroupId = _groupId, GenerationId = GenerationId, MemberId = MemberId, GroupInstanceId = _options.GroupInstanceId };
                    var response = await connection.SendAsync<HeartbeatResponse>(ApiKey.Heartbeat, request, stopping).ConfigureAwait(false);
                    var error = (ErrorCode)response.ErrorCode;
                    if (error is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable)
                        _cluster.ForgetCoordinator(_groupId);
                    else if (!_joining)
                        RequestRejoin(error);
                }
                catch (RunnelException)
                {
                    // The coordinator connection failed; the next heartbeat opens a new one.
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops heartbeating and leaves the group so its partitions move at once; static members stay until their session ends.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _heartbeats.ConfigureAwait(false);
        _stopping.Dispose();
        if (MemberId.Length == 0 || _options.GroupInstanceId is not null)
            return;
        try
        {
            var connection = await _cluster.CoordinatorAsync(_groupId, CancellationToken.None).ConfigureAwait(false);
            var request = new LeaveGroupRequest { GroupId = _groupId, MemberId = MemberId, Members = [new() { MemberId = MemberId }] };
            await connection.SendAsync<LeaveGroupResponse>(ApiKey.LeaveGroup, request, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RunnelException)
        {
            // Leaving is a courtesy: the session timeout removes the member anyway.
        }
    }
}
