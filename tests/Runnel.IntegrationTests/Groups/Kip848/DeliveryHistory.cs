using Confluent.Kafka;

namespace Runnel.IntegrationTests.Groups.Kip848;

/// <summary>One event of the history, in one global order (<see cref="Seq"/>).</summary>
internal sealed record HistoryEvent(long Seq, string Member, string Kind, int Partition, long Offset, string? Value, string Assignment);

/// <summary>
/// The delivery history of a KIP-848 group test: every assignment and revocation each member's client reported (from
/// librdkafka's rebalance callbacks, which run on the consuming thread) and every record it delivered, with the member's
/// assignment at that moment, in one global order. Waiters are woken by each event and re-check their condition, so no
/// test polls. The checks are what KIP-848 promises: no partition owned by two members at once, no record delivered to
/// a member that does not own its partition, every produced record delivered.
/// </summary>
internal sealed class DeliveryHistory
{
    private readonly List<HistoryEvent> _events = [];
    private readonly Dictionary<string, SortedSet<int>> _owned = new(StringComparer.Ordinal);
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private long _seq;

    public IReadOnlyList<HistoryEvent> Events
    {
        get
        {
            lock (_events)
                return [.. _events];
        }
    }

    public SortedSet<int> Owned(string member)
    {
        lock (_events)
            return [.. _owned.GetValueOrDefault(member) ?? []];
    }

    public void Assigned(string member, IEnumerable<TopicPartition> partitions)
    {
        lock (_events)
        {
            var owned = Own(member);
            foreach (var p in partitions)
            {
                owned.Add(p.Partition.Value);
                Add(member, "assign", p.Partition.Value, -1, null);
            }
        }
        Wake();
    }

    public void Revoked(string member, IEnumerable<TopicPartitionOffset> partitions, string kind = "revoke")
    {
        lock (_events)
        {
            var owned = Own(member);
            foreach (var p in partitions)
            {
                owned.Remove(p.Partition.Value);
                Add(member, kind, p.Partition.Value, -1, null);
            }
        }
        Wake();
    }

    public void Delivered(string member, ConsumeResult<string, string> result)
    {
        lock (_events)
            Add(member, "deliver", result.Partition.Value, result.Offset.Value, result.Message.Value);
        Wake();
    }

    private SortedSet<int> Own(string member) => _owned.TryGetValue(member, out var set) ? set : _owned[member] = [];

    private void Add(string member, string kind, int partition, long offset, string? value)
        => _events.Add(new HistoryEvent(++_seq, member, kind, partition, offset, value, string.Join(',', Own(member))));

    /// <summary>Completes when <paramref name="condition"/> holds (checked now and after every event), or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
            _waiters.Add((condition, done));
        Wake();
        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {timeout} waiting for {what}. Owned now: "
                + string.Join("; ", _owned.Select(o => $"{o.Key}=[{string.Join(',', o.Value)}]")));
        }
        finally
        {
            lock (_waiters)
                _waiters.RemoveAll(w => w.Done == done);
        }
    }

    private void Wake()
    {
        List<(Func<bool> Condition, TaskCompletionSource Done)> waiters;
        lock (_waiters)
            waiters = [.. _waiters];
        foreach (var (condition, done) in waiters)
        {
            bool holds;
            lock (_events)
                holds = condition();
            if (holds)
                done.TrySetResult();
        }
    }

    /// <summary>
    /// The checks: (1) a partition is assigned to a member only while no other member owns it (its previous owner's
    /// revocation came first); (2) every delivery is of a partition the member owned at that moment; (3) every value in
    /// <paramref name="produced"/> was delivered. Returns the number of deliveries and of ownership hand-overs checked.
    /// </summary>
    public (int Deliveries, int Handovers) Check(IReadOnlyCollection<string> produced)
    {
        var events = Events;
        var owner = new Dictionary<int, string>();
        var owns = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        var handovers = 0;
        var delivered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var mine = owns.TryGetValue(e.Member, out var m) ? m : owns[e.Member] = [];
            switch (e.Kind)
            {
                case "assign":
                    if (owner.TryGetValue(e.Partition, out var other) && other != e.Member)
                        Assert.Fail($"#{e.Seq}: partition {e.Partition} assigned to {e.Member} while {other} still owned it");
                    if (owner.ContainsKey(e.Partition) is false && events.Any(x => x.Seq < e.Seq && x.Kind == "assign" && x.Partition == e.Partition))
                        handovers++;
                    owner[e.Partition] = e.Member;
                    mine.Add(e.Partition);
                    break;
                case "revoke" or "lost":
                    if (owner.GetValueOrDefault(e.Partition) == e.Member)
                        owner.Remove(e.Partition);
                    mine.Remove(e.Partition);
                    break;
                case "deliver":
                    Assert.True(mine.Contains(e.Partition), $"#{e.Seq}: {e.Member} fetched partition {e.Partition} offset {e.Offset} without owning it (owns {string.Join(',', mine)})");
                    delivered.Add(e.Value!);
                    break;
            }
        }
        var missing = produced.Where(v => !delivered.Contains(v)).Take(10).ToList();
        Assert.True(missing.Count == 0, $"records never delivered: {string.Join(", ", missing)}");
        return (events.Count(e => e.Kind == "deliver"), handovers);
    }
}
