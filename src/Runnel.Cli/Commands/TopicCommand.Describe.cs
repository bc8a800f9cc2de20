using System.Text;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Protocol;

namespace Runnel.Cli.Commands;

/// <summary>describe (kafka-topics' layout plus earliest/latest offsets) and alter.</summary>
internal sealed partial class TopicCommand
{
    private static async Task<int> DescribeAsync(RunnelAdminClient admin, ParsedArguments args, List<string> topics, CliConsole console, CancellationToken cancellationToken)
    {
        IReadOnlyList<TopicDescription> descriptions;
        try
        {
            descriptions = await DescribeWithOffsetsAsync(admin, topics.Count == 0 ? null : topics, cancellationToken).ConfigureAwait(false);
        }
        catch (RunnelException e) when (e.ErrorCode == ErrorCode.UnknownTopicOrPartition && args.Has(IfExists.Name))
        {
            return CliApp.Ok;
        }
        var filters = PartitionFilters.From(args);
        var shown = descriptions.Where(t => !(t.IsInternal && args.Has(ExcludeInternal.Name))).ToList();
        var reassignments = await ReassignmentsAsync(admin, shown, cancellationToken).ConfigureAwait(false);
        foreach (var topic in shown)
        {
            var minIsr = filters is { NeedsMinIsr: true } ? await MinInSyncReplicasAsync(admin, topic.Name, cancellationToken).ConfigureAwait(false) : 1;
            // As kafka-topics: with a filter only the matching partitions are printed, without the topic's line.
            if (filters is null)
            {
                var configs = await TopicOverridesAsync(admin, topic.Name, cancellationToken).ConfigureAwait(false);
                var replication = topic.Partitions.Count > 0 ? topic.Partitions.Max(p => p.Replicas.Count) : 0;
                await console.Out.WriteLineAsync(
                    $"Topic: {topic.Name}\tTopicId: {topic.TopicId}\tPartitionCount: {topic.Partitions.Count}\tReplicationFactor: {replication}\tConfigs: {configs}")
                    .ConfigureAwait(false);
            }
            foreach (var p in topic.Partitions)
            {
                var reassignment = reassignments.GetValueOrDefault(new TopicPartition(topic.Name, p.Partition));
                if (filters is not null && !filters.Matches(p, reassignment, minIsr))
                    continue;
                var line = new StringBuilder()
                    .Append($"\tTopic: {topic.Name}\tPartition: {p.Partition}\tLeader: {(p.Leader < 0 ? "none" : p.Leader)}")
                    .Append($"\tReplicas: {string.Join(',', p.Replicas)}\tIsr: {string.Join(',', p.Isr)}");
                if (p.OfflineReplicas.Count > 0)
                    line.Append($"\tOffline: {string.Join(',', p.OfflineReplicas)}");
                if (reassignment is not null)
                    line.Append($"\tAdding Replicas: {string.Join(',', reassignment.AddingReplicas)}\tRemoving Replicas: {string.Join(',', reassignment.RemovingReplicas)}");
                if (p.EarliestOffset is { } earliest && p.LatestOffset is { } latest)
                    line.Append($"\tEarliestOffset: {earliest}\tLatestOffset: {latest}");
                await console.Out.WriteLineAsync(line.ToString()).ConfigureAwait(false);
            }
        }
        return CliApp.Ok;
    }

    /// <summary>
    /// The moves in progress among the topics' partitions; none when the broker does not list reassignments or the
    /// controller cannot answer (the description itself comes from any broker's metadata).
    /// </summary>
    internal static async Task<IReadOnlyDictionary<TopicPartition, PartitionReassignment>> ReassignmentsAsync(RunnelAdminClient admin, IReadOnlyList<TopicDescription> topics,
        CancellationToken cancellationToken)
    {
        if (topics.Count == 0)
            return new Dictionary<TopicPartition, PartitionReassignment>();
        try
        {
            return await admin.ListPartitionReassignmentsAsync(topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p.Partition))), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RunnelException)
        {
            return new Dictionary<TopicPartition, PartitionReassignment>();
        }
    }

    /// <summary>The topic's effective min.insync.replicas (its own value or the broker's), 1 when the broker does not say.</summary>
    internal static async Task<int> MinInSyncReplicasAsync(RunnelAdminClient admin, string topic, CancellationToken cancellationToken)
    {
        try
        {
            var entries = await admin.DescribeTopicConfigsAsync(topic, cancellationToken).ConfigureAwait(false);
            var value = entries.FirstOrDefault(e => e.Name == "min.insync.replicas")?.Value;
            return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minIsr) ? minIsr : 1;
        }
        catch (UnsupportedApiException)
        {
            return 1;
        }
    }

    /// <summary>Offsets need ListOffsets; against a broker without it, describe still shows leaders and replicas.</summary>
    private static async Task<IReadOnlyList<TopicDescription>> DescribeWithOffsetsAsync(RunnelAdminClient admin, List<string>? topics, CancellationToken cancellationToken)
    {
        try
        {
            return await admin.DescribeTopicsAsync(topics, includeOffsets: true, cancellationToken).ConfigureAwait(false);
        }
        catch (UnsupportedApiException)
        {
            return await admin.DescribeTopicsAsync(topics, includeOffsets: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The configs set on the topic itself, as kafka-topics shows them ("k=v,k2=v2").</summary>
    private static async Task<string> TopicOverridesAsync(RunnelAdminClient admin, string topic, CancellationToken cancellationToken)
    {
        try
        {
            var entries = await admin.DescribeTopicConfigsAsync(topic, cancellationToken).ConfigureAwait(false);
            return string.Join(',', entries.Where(e => e.IsTopicOverride).Select(e => $"{e.Name}={(e.IsSensitive ? "[hidden]" : e.Value)}"));
        }
        catch (UnsupportedApiException)
        {
            return "(the broker does not serve DescribeConfigs)";
        }
    }

    private static async Task<int> AlterAsync(RunnelAdminClient admin, ParsedArguments args, string topic, CliConsole console, CancellationToken cancellationToken)
    {
        var changes = args.GetPairs(Config.Name)
            .Concat(args.GetPairs(AddConfig.Name, allowCommaLists: true))
            .Select(p => ConfigChange.Set(p.Key, p.Value))
            .Concat(args.GetAll(DeleteConfig.Name).SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(ConfigChange.Delete))
            .ToList();
        var partitions = args.GetInt(Partitions.Name);
        if (partitions is null && changes.Count == 0)
            throw new UsageException("alter needs --partitions, --config, --add-config or --delete-config.");
        try
        {
            if (partitions is { } count)
            {
                await admin.CreatePartitionsAsync(topic, count, cancellationToken).ConfigureAwait(false);
                await console.Out.WriteLineAsync($"Topic {topic} now has {count} partitions.").ConfigureAwait(false);
            }
            if (changes.Count > 0)
            {
                await admin.AlterTopicConfigsAsync(topic, changes, cancellationToken).ConfigureAwait(false);
                await console.Out.WriteLineAsync($"Updated {changes.Count} config(s) of topic {topic}.").ConfigureAwait(false);
            }
        }
        catch (RunnelException e) when (e.ErrorCode == ErrorCode.UnknownTopicOrPartition && args.Has(IfExists.Name))
        {
            return CliApp.Ok;
        }
        return CliApp.Ok;
    }
}
