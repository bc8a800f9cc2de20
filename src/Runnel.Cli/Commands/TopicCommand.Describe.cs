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
        foreach (var topic in descriptions.Where(t => !(t.IsInternal && args.Has(ExcludeInternal.Name))))
        {
            var configs = await TopicOverridesAsync(admin, topic.Name, cancellationToken).ConfigureAwait(false);
            var replication = topic.Partitions.Count > 0 ? topic.Partitions.Max(p => p.Replicas.Count) : 0;
            await console.Out.WriteLineAsync(
                $"Topic: {topic.Name}\tTopicId: {topic.TopicId}\tPartitionCount: {topic.Partitions.Count}\tReplicationFactor: {replication}\tConfigs: {configs}")
                .ConfigureAwait(false);
            foreach (var p in topic.Partitions)
            {
                var line = new StringBuilder()
                    .Append($"\tTopic: {topic.Name}\tPartition: {p.Partition}\tLeader: {(p.Leader < 0 ? "none" : p.Leader)}")
                    .Append($"\tReplicas: {string.Join(',', p.Replicas)}\tIsr: {string.Join(',', p.Isr)}");
                if (p.EarliestOffset is { } earliest && p.LatestOffset is { } latest)
                    line.Append($"\tEarliestOffset: {earliest}\tLatestOffset: {latest}");
                await console.Out.WriteLineAsync(line.ToString()).ConfigureAwait(false);
            }
        }
        return CliApp.Ok;
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
