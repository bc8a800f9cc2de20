using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Runnel.ClusterTests.Workload;

/// <summary>Creates the workload's topic and waits until every partition has a leader.</summary>
internal static class TopicSetup
{
    public static async Task CreateAsync(WorkloadOptions options, ClientLog log, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = options.Bootstrap, BrokerAddressFamily = BrokerAddressFamily.V4 })
            .SetLogHandler((_, m) => log.Log("admin", m))
            .Build();
        while (true)
        {
            try
            {
                await admin.CreateTopicsAsync(
                    [new TopicSpecification { Name = options.Topic, NumPartitions = options.Partitions, ReplicationFactor = options.ReplicationFactor, Configs = options.TopicConfigs.ToDictionary() }],
                    new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(10), OperationTimeout = TimeSpan.FromSeconds(10) });
                break;
            }
            catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
            {
                break;
            }
            catch (KafkaException e) when (clock.Elapsed < timeout)
            {
                log.Write($"admin: create {options.Topic} failed, retrying: {e.Message}");
                await Task.Delay(200);
            }
        }
        while (true)
        {
            var metadata = admin.GetMetadata(options.Topic, TimeSpan.FromSeconds(5)).Topics.SingleOrDefault(t => t.Topic == options.Topic);
            if (metadata is { Error.IsError: false } && metadata.Partitions.Count == options.Partitions && metadata.Partitions.All(p => p.Leader >= 0 && !p.Error.IsError))
                return;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{options.Topic} has no leader for every partition within {timeout.TotalSeconds} s");
            await Task.Delay(200);
        }
    }
}
