using System.Text.Json;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Protocol;

namespace Runnel.Cli.Commands;

/// <summary><c>runnel partition reassign</c>, as kafka-reassign-partitions: --execute (the default), --cancel, --list, --verify.</summary>
internal sealed partial class PartitionCommand
{
    internal enum ReassignMode
    {
        Execute,
        Cancel,
        List,
        Verify,
    }

    /// <summary>One partition named on the command line or in the JSON file, with its target replicas (none for a cancel).</summary>
    internal sealed record ReassignEntry(TopicPartition Partition, IReadOnlyList<int>? Replicas);

    /// <summary>What <c>reassign</c> was asked to do, checked before anything is sent.</summary>
    internal sealed record ReassignPlan(ReassignMode Mode, IReadOnlyList<ReassignEntry> Entries, IReadOnlyList<string> ListTopics)
    {
        public static ReassignPlan From(ParsedArguments args)
        {
            var modes = new[] { (Execute, ReassignMode.Execute), (Cancel, ReassignMode.Cancel), (List, ReassignMode.List), (Verify, ReassignMode.Verify) }
                .Where(m => args.Has(m.Item1.Name)).ToList();
            if (modes.Count > 1)
                throw new UsageException($"Choose one of {string.Join(", ", modes.Select(m => $"--{m.Item1.Name}"))}.");
            var mode = modes.Count == 1 ? modes[0].Item2 : ReassignMode.Execute;
            var topics = args.GetAll(Topic.Name).Distinct().ToList();
            var partitions = args.GetAll(Partition.Name);
            var replicas = args.GetAll(Replicas.Name);
            var file = args.Get(ReassignmentJsonFile.Name);
            if (mode == ReassignMode.List)
            {
                if (partitions.Count > 0 || replicas.Count > 0 || file is not null)
                    throw new UsageException("--list takes only --topic (to list the moves of some topics).");
                return new ReassignPlan(mode, [], topics);
            }
            var needReplicas = mode is ReassignMode.Execute or ReassignMode.Verify;
            List<ReassignEntry> entries;
            if (file is not null)
            {
                if (topics.Count > 0 || partitions.Count > 0 || replicas.Count > 0)
                    throw new UsageException("Give the partitions either in --reassignment-json-file or with --topic/--partition/--replicas, not both.");
                entries = ReassignmentJson.Read(file, needReplicas ? JsonReplicas.Required : JsonReplicas.Optional);
            }
            else
            {
                if (topics.Count == 0)
                {
                    throw new UsageException(partitions.Count > 0
                        ? "--partition needs --topic."
                        : "reassign needs --topic, --partition and --replicas, or --reassignment-json-file.");
                }
                if (topics.Count > 1)
                    throw new UsageException("reassign takes one --topic; use --reassignment-json-file for several.");
                if (partitions.Count == 0)
                    throw new UsageException("reassign needs --partition (one per --replicas).");
                if ((needReplicas || replicas.Count > 0) && replicas.Count != partitions.Count)
                    throw new UsageException($"Give one --replicas per --partition ({partitions.Count} --partition, {replicas.Count} --replicas).");
                entries = [.. partitions.Select((p, i) => new ReassignEntry(new TopicPartition(topics[0], PartitionNumber(p)),
                    replicas.Count > 0 ? ParseReplicas(replicas[i]) : null))];
            }
            if (entries.Count == 0)
                throw new UsageException("No partitions to reassign.");
            if (entries.GroupBy(e => e.Partition).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new UsageException($"Partition {twice.Key} is named more than once.");
            return new ReassignPlan(mode, entries, []);
        }
    }

    /// <summary>"1,2,3": broker ids, at least one, none twice.</summary>
    internal static IReadOnlyList<int> ParseReplicas(string text)
    {
        var ids = new List<int>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                throw new UsageException($"--replicas expects comma-separated broker ids (1,2,3), not '{text}'.");
            if (ids.Contains(id))
                throw new UsageException($"--replicas lists broker {id} twice in '{text}'.");
            ids.Add(id);
        }
        return ids;
    }

    private static async Task<int> ReassignAsync(RunnelAdminClient admin, ReassignPlan plan, CliConsole console, CancellationToken cancellationToken) => plan.Mode switch
    {
        ReassignMode.List => await ListReassignmentsAsync(admin, plan.ListTopics, console, cancellationToken).ConfigureAwait(false),
        ReassignMode.Verify => await VerifyAsync(admin, plan.Entries, console, cancellationToken).ConfigureAwait(false),
        ReassignMode.Cancel => await CancelAsync(admin, plan.Entries, console, cancellationToken).ConfigureAwait(false),
        _ => await ExecuteAsync(admin, plan.Entries, console, cancellationToken).ConfigureAwait(false),
    };

    private static async Task<int> ExecuteAsync(RunnelAdminClient admin, IReadOnlyList<ReassignEntry> entries, CliConsole console, CancellationToken cancellationToken)
    {
        var targets = entries.ToDictionary(e => e.Partition, e => e.Replicas);
        var results = await admin.AlterPartitionReassignmentsAsync(targets, cancellationToken).ConfigureAwait(false);
        await Table.WriteAsync(console.Out, ["TOPIC", "PARTITION", "REPLICAS", "RESULT"], results.Select(r => new[]
        {
            r.Partition.Topic, Text(r.Partition.Partition), Ids(targets.GetValueOrDefault(r.Partition)), r.Succeeded ? "started" : Outcome(r),
        })).ConfigureAwait(false);
        return await FailIfAnyAsync([.. results.Where(r => !r.Succeeded)], "Reassignment", console).ConfigureAwait(false);
    }

    private static async Task<int> CancelAsync(RunnelAdminClient admin, IReadOnlyList<ReassignEntry> entries, CliConsole console, CancellationToken cancellationToken)
    {
        var results = await admin.AlterPartitionReassignmentsAsync(entries.ToDictionary(e => e.Partition, e => (IReadOnlyList<int>?)null), cancellationToken)
            .ConfigureAwait(false);
        await Table.WriteAsync(console.Out, ["TOPIC", "PARTITION", "RESULT"], results.Select(r => new[]
        {
            r.Partition.Topic, Text(r.Partition.Partition),
            r.Succeeded ? "cancelled" : r.Error == ErrorCode.NoReassignmentInProgress ? "not moving (NO_REASSIGNMENT_IN_PROGRESS)" : Outcome(r),
        })).ConfigureAwait(false);
        // As kafka-reassign-partitions --cancel: a partition that is not moving needs no cancelling.
        return await FailIfAnyAsync([.. results.Where(r => r.Error is not (ErrorCode.None or ErrorCode.NoReassignmentInProgress))],
            "Cancelling the reassignment", console).ConfigureAwait(false);
    }

    private static async Task<int> ListReassignmentsAsync(RunnelAdminClient admin, IReadOnlyList<string> topics, CliConsole console, CancellationToken cancellationToken)
    {
        var moving = (await admin.ListPartitionReassignmentsAsync(null, cancellationToken).ConfigureAwait(false))
            .Where(m => topics.Count == 0 || topics.Contains(m.Key.Topic)).ToList();
        if (moving.Count == 0)
        {
            await console.Out.WriteLineAsync("No partition reassignment is in progress.").ConfigureAwait(false);
            return CliApp.Ok;
        }
        await Table.WriteAsync(console.Out, ["TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING"], moving.Select(m => new[]
        {
            m.Key.Topic, Text(m.Key.Partition), Ids(m.Value.Replicas), Ids(m.Value.AddingReplicas), Ids(m.Value.RemovingReplicas),
        })).ConfigureAwait(false);
        return CliApp.Ok;
    }

    /// <summary>
    /// kafka-reassign-partitions --verify: each move is complete (the replicas are the target), still in progress, or
    /// neither (no move, other replicas: a failure, as is a partition that does not exist).
    /// </summary>
    private static async Task<int> VerifyAsync(RunnelAdminClient admin, IReadOnlyList<ReassignEntry> entries, CliConsole console, CancellationToken cancellationToken)
    {
        var moving = await admin.ListPartitionReassignmentsAsync(entries.Select(e => e.Partition), cancellationToken).ConfigureAwait(false);
        var current = new Dictionary<TopicPartition, IReadOnlyList<int>>();
        foreach (var topic in entries.Select(e => e.Partition.Topic).Distinct())
        {
            try
            {
                var description = (await admin.DescribeTopicsAsync([topic], includeOffsets: false, cancellationToken).ConfigureAwait(false))[0];
                foreach (var p in description.Partitions)
                    current[new TopicPartition(topic, p.Partition)] = p.Replicas;
            }
            catch (RunnelException e) when (e.ErrorCode == ErrorCode.UnknownTopicOrPartition)
            {
                // Its partitions are reported as unknown below.
            }
        }
        var failed = new List<PartitionResult>();
        await console.Out.WriteLineAsync("Status of partition reassignment:").ConfigureAwait(false);
        foreach (var entry in entries)
        {
            var target = entry.Replicas ?? [];
            string line;
            if (moving.TryGetValue(entry.Partition, out var move))
            {
                line = $"Reassignment of partition {entry.Partition} is still in progress (adding {Ids(move.AddingReplicas)}, removing {Ids(move.RemovingReplicas)}).";
            }
            else if (!current.TryGetValue(entry.Partition, out var replicas))
            {
                line = $"Partition {entry.Partition} does not exist (UNKNOWN_TOPIC_OR_PARTITION).";
                failed.Add(new PartitionResult(entry.Partition, ErrorCode.UnknownTopicOrPartition, "The partition does not exist."));
            }
            else if (replicas.SequenceEqual(target))
            {
                line = $"Reassignment of partition {entry.Partition} is complete.";
            }
            else
            {
                line = $"There is no active reassignment of partition {entry.Partition}, but replica set is {Ids(replicas)} rather than {Ids(target)}.";
                failed.Add(new PartitionResult(entry.Partition, ErrorCode.NoReassignmentInProgress, $"The replicas are {Ids(replicas)}, not {Ids(target)}."));
            }
            await console.Out.WriteLineAsync(line).ConfigureAwait(false);
        }
        return await FailIfAnyAsync(failed, "Verification", console).ConfigureAwait(false);
    }
}

/// <summary>Whether a JSON file's entries must name replicas (execute, verify), may (cancel), or need not (elect).</summary>
internal enum JsonReplicas
{
    Ignored,
    Optional,
    Required,
}

/// <summary>
/// kafka-reassign-partitions' JSON (<c>{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}</c>)
/// and kafka-leader-election's (the same without replicas). log_dirs is accepted and ignored (Runnel has one log dir
/// per broker for a partition).
/// </summary>
internal static class ReassignmentJson
{
    public static List<PartitionCommand.ReassignEntry> Read(string path, bool withReplicas) => Read(path, withReplicas ? JsonReplicas.Required : JsonReplicas.Ignored);

    public static List<PartitionCommand.ReassignEntry> Read(string path, JsonReplicas replicas)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot read {path}: {e.Message}");
        }
        return Parse(text, path, replicas);
    }

    public static List<PartitionCommand.ReassignEntry> Parse(string text, string source, JsonReplicas replicas)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("partitions", out var partitions) || partitions.ValueKind != JsonValueKind.Array)
                throw new UsageException($"{source}: expected {{\"version\":1,\"partitions\":[...]}}.");
            if (root.TryGetProperty("version", out var version) && (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var number) || number != 1))
                throw new UsageException($"{source}: only version 1 is known, not {version.GetRawText()}.");
            var entries = new List<PartitionCommand.ReassignEntry>();
            foreach (var item in partitions.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("topic", out var topic) || topic.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(topic.GetString())
                    || !item.TryGetProperty("partition", out var partition) || partition.ValueKind != JsonValueKind.Number
                    || !partition.TryGetInt32(out var index) || index < 0)
                {
                    throw new UsageException($"{source}: each partition needs \"topic\" (a name) and \"partition\" (0 or more), not {item.GetRawText()}.");
                }
                IReadOnlyList<int>? ids = null;
                if (replicas != JsonReplicas.Ignored && item.TryGetProperty("replicas", out var list))
                {
                    if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.Number || !r.TryGetInt32(out var id) || id < 0))
                        throw new UsageException($"{source}: \"replicas\" of {topic.GetString()}-{index} must be a list of broker ids, not {list.GetRawText()}.");
                    ids = [.. list.EnumerateArray().Select(r => r.GetInt32())];
                    if (ids.Count == 0 || ids.Distinct().Count() != ids.Count)
                        throw new UsageException($"{source}: \"replicas\" of {topic.GetString()}-{index} must name each broker once and at least one, not {list.GetRawText()}.");
                }
                if (replicas == JsonReplicas.Required && ids is null)
                    throw new UsageException($"{source}: {topic.GetString()}-{index} has no \"replicas\".");
                entries.Add(new PartitionCommand.ReassignEntry(new TopicPartition(topic.GetString()!, index), ids));
            }
            return entries;
        }
        catch (JsonException e)
        {
            throw new UsageException($"{source} is not valid JSON: {e.Message}");
        }
    }
}
