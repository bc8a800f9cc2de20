using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Protocol;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel txn abort</c> and <c>runnel txn find-hanging</c>, as kafka-transactions.sh (TransactionsCommand) does them.
/// abort ends one partition's hanging transaction: the producer whose open transaction starts at --start-offset is
/// found with DescribeProducers, and the partition's leader writes an abort marker for its id, epoch and coordinator
/// epoch (0 when it has none yet, as Kafka); or the producer id, epoch and coordinator epoch are given (Kafka's form
/// for brokers before 3.0). find-hanging lists open transactions (on broker N's replicas, or of a topic or partition)
/// whose producer wrote last more than --max-transaction-timeout minutes ago (15 by default) and whose coordinator
/// does not know them: no transactional id has the producer id, the id is unknown, or its transaction does not name
/// the partition.
/// </summary>
internal sealed partial class TransactionCommand
{
    private const int DefaultMaxTransactionTimeoutMinutes = 15;

    private static readonly OptionSpec Topic = OptionSpec.Value("topic", "name", "abort, find-hanging: the topic", "t");
    private static readonly OptionSpec Partition = OptionSpec.Value("partition", "p", "abort, find-hanging: the partition of --topic");
    private static readonly OptionSpec StartOffset = OptionSpec.Value("start-offset", "o", "abort: the first offset of the transaction to end");
    private static readonly OptionSpec ProducerEpoch = OptionSpec.Value("producer-epoch", "e", "abort: the producer's epoch (with --producer-id)");
    private static readonly OptionSpec CoordinatorEpoch = OptionSpec.Value("coordinator-epoch", "c", "abort: the coordinator epoch (with --producer-id)");
    private static readonly OptionSpec BrokerId = OptionSpec.Value("broker-id", "n", "find-hanging: search the partitions broker n hosts, asking its replicas");
    private static readonly OptionSpec MaxTransactionTimeout = OptionSpec.Value("max-transaction-timeout", "minutes",
        $"find-hanging: only transactions whose producer wrote last longer ago than this (default {DefaultMaxTransactionTimeoutMinutes})");

    internal static readonly string[] HangingHeaders =
        ["TOPIC", "PARTITION", "PRODUCER-ID", "PRODUCER-EPOCH", "COORDINATOR-EPOCH", "START-OFFSET", "LAST-TIMESTAMP", "DURATION(MIN)"];

    /// <summary>The clock find-hanging measures transactions' age with.</summary>
    private static TimeProvider Time => TimeProvider.System;

    private static async Task<int> AbortAsync(RunnelAdminClient admin, ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var topic = args.Get(Topic.Name) ?? throw new UsageException("abort needs --topic.");
        var partition = new TopicPartition(topic, args.GetInt(Partition.Name) ?? throw new UsageException("abort needs --partition."));
        var startOffset = args.GetLong(StartOffset.Name);
        var producerId = args.GetLong(ProducerFilter.Name);
        AbortTransactionSpec spec;
        if (startOffset is { } start)
        {
            spec = await FindOpenTransactionAsync(admin, partition, start, cancellationToken).ConfigureAwait(false);
        }
        else if (producerId is { } id)
        {
            var epoch = args.GetInt(ProducerEpoch.Name) ?? throw new UsageException("Missing required argument --producer-epoch.");
            var coordinatorEpoch = args.GetInt(CoordinatorEpoch.Name) ?? throw new UsageException("Missing required argument --coordinator-epoch.");
            if (epoch is < short.MinValue or > short.MaxValue)
                throw new UsageException($"--producer-epoch must fit in 16 bits, not {epoch}.");
            // A producer hanging before its first marker shows coordinator epoch -1; 0 is at most any coordinator's epoch.
            spec = new AbortTransactionSpec(partition, id, (short)epoch, Math.Max(0, coordinatorEpoch));
        }
        else
        {
            throw new UsageException("The transaction to abort must be identified either with --start-offset "
                + "or with --producer-id, --producer-epoch and --coordinator-epoch.");
        }
        await admin.AbortTransactionAsync(spec, cancellationToken).ConfigureAwait(false);
        await console.Out.WriteLineAsync($"Aborted the transaction of producer {spec.ProducerId} (epoch {spec.ProducerEpoch}, coordinator epoch {spec.CoordinatorEpoch}) on {partition}.")
            .ConfigureAwait(false);
        return CliApp.Ok;
    }

    /// <summary>Kafka's buildAbortSpec: the producer whose open transaction on the partition starts at <paramref name="startOffset"/>.</summary>
    private static async Task<AbortTransactionSpec> FindOpenTransactionAsync(RunnelAdminClient admin, TopicPartition partition, long startOffset,
        CancellationToken cancellationToken)
    {
        var producers = (await admin.DescribeProducersAsync([partition], cancellationToken: cancellationToken).ConfigureAwait(false))[partition];
        var producer = producers.FirstOrDefault(p => p.CurrentTransactionStartOffset == startOffset)
            ?? throw new RunnelException($"Could not find any open transactions starting at offset {startOffset} on partition {partition}.");
        return new AbortTransactionSpec(partition, producer.ProducerId, (short)producer.ProducerEpoch, producer.CoordinatorEpoch ?? 0);
    }

    private static async Task<int> FindHangingAsync(RunnelAdminClient admin, ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var brokerId = args.GetInt(BrokerId.Name);
        var topic = args.Get(Topic.Name);
        var partition = args.GetInt(Partition.Name);
        if (topic is null && brokerId is null)
            throw new UsageException("find-hanging needs --topic or --broker-id to limit the scope of the search.");
        if (partition is not null && topic is null)
            throw new UsageException("--partition needs --topic.");
        var maxTimeoutMs = (long)TimeSpan.FromMinutes(args.GetInt(MaxTransactionTimeout.Name) ?? DefaultMaxTransactionTimeoutMinutes).TotalMilliseconds;

        IReadOnlyList<TopicPartition> partitions;
        if (topic is not null && partition is { } p)
        {
            partitions = [new TopicPartition(topic, p)];
        }
        else
        {
            var topics = topic is null ? await admin.ListTopicsAsync(includeInternal: true, cancellationToken).ConfigureAwait(false) : [topic];
            var described = await admin.DescribeTopicsAsync(topics, includeOffsets: false, cancellationToken).ConfigureAwait(false);
            partitions = [.. described.SelectMany(t => t.Partitions.Where(d => brokerId is not { } b || d.Replicas.Contains(b)).Select(d => new TopicPartition(t.Name, d.Partition)))];
        }

        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        var candidates = new List<(TopicPartition Partition, ProducerState Producer)>();
        if (partitions.Count > 0)
        {
            var producers = await admin.DescribeProducersAsync(partitions, brokerId, cancellationToken).ConfigureAwait(false);
            candidates.AddRange(producers.SelectMany(pair => pair.Value
                .Where(s => s.CurrentTransactionStartOffset is not null && now - s.LastTimestamp > maxTimeoutMs)
                .Select(s => (pair.Key, s))));
        }
        var hanging = await HangingAsync(admin, candidates, cancellationToken).ConfigureAwait(false);
        var rows = hanging.OrderBy(h => h.Partition.Topic, StringComparer.Ordinal).ThenBy(h => h.Partition.Partition).ThenBy(h => h.Producer.ProducerId)
            .Select(h => new[]
            {
                h.Partition.Topic, Text(h.Partition.Partition), Text(h.Producer.ProducerId), Text(h.Producer.ProducerEpoch),
                Text(h.Producer.CoordinatorEpoch ?? -1), Text(h.Producer.CurrentTransactionStartOffset ?? -1), Text(h.Producer.LastTimestamp),
                Text((long)TimeSpan.FromMilliseconds(now - h.Producer.LastTimestamp).TotalMinutes),
            });
        await Table.WriteAsync(console.Out, HangingHeaders, rows).ConfigureAwait(false);
        return CliApp.Ok;
    }

    /// <summary>
    /// Kafka's filterHangingTransactions: a candidate hangs when no transactional id has its producer id, when that id
    /// is not found, or when the id's transaction does not name the partition (its coordinator will write no marker there).
    /// </summary>
    private static async Task<List<(TopicPartition Partition, ProducerState Producer)>> HangingAsync(RunnelAdminClient admin,
        List<(TopicPartition Partition, ProducerState Producer)> candidates, CancellationToken cancellationToken)
    {
        if (candidates.Count == 0)
            return [];
        var producerIds = candidates.Select(c => c.Producer.ProducerId).ToHashSet();
        var listed = await admin.ListTransactionsAsync(producerIds: producerIds, cancellationToken: cancellationToken).ConfigureAwait(false);
        var transactionalIds = listed.Where(l => producerIds.Contains(l.ProducerId)).GroupBy(l => l.ProducerId).ToDictionary(g => g.Key, g => g.First().TransactionalId);
        var descriptions = new Dictionary<string, TransactionDescription?>(StringComparer.Ordinal);
        foreach (var transactionalId in transactionalIds.Values.Distinct())
        {
            try
            {
                descriptions[transactionalId] = await admin.DescribeTransactionAsync(transactionalId, cancellationToken).ConfigureAwait(false);
            }
            catch (RunnelException e) when (e.ErrorCode == ErrorCode.TransactionalIdNotFound)
            {
                descriptions[transactionalId] = null;
            }
        }
        return [.. candidates.Where(c => !transactionalIds.TryGetValue(c.Producer.ProducerId, out var transactionalId)
            || descriptions[transactionalId] is not { } description
            || !description.Partitions.Contains(c.Partition))];
    }
}
