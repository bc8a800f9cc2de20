using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeLogDirs v0-4: each data directory with the size of every partition in it (or of those asked for), and
/// (v4+) the file system's total and usable bytes. Offset lag is 0: there are no future replicas to move logs.
/// With an authorizer, needs DESCRIBE on the cluster (CLUSTER_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class DescribeLogDirsHandler : ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>
{
    public override ApiKey Key => ApiKey.DescribeLogDirs;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<DescribeLogDirsResponse?> HandleAsync(RequestContext context, DescribeLogDirsRequest request)
    {
        if (!context.AuthorizeCluster(AclOperation.Describe))
            return new(new DescribeLogDirsResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed });
        var wanted = request.Topics?.ToDictionary(t => t.Topic, t => t.Partitions.ToHashSet(), StringComparer.Ordinal);
        var response = new DescribeLogDirsResponse();
        foreach (var dir in context.Broker.Config.LogDirs.Select(Path.GetFullPath))
        {
            var result = new DescribeLogDirsResponse.DescribeLogDirsResult { LogDir = dir };
            var logs = context.Broker.Topics.Logs.Logs
                .Where(l => Path.GetDirectoryName(l.Directory) == dir)
                .Where(l => wanted is null || (wanted.TryGetValue(l.TopicPartition.Topic, out var parts) && parts.Contains(l.TopicPartition.Partition)));
            foreach (var topic in logs.GroupBy(l => l.TopicPartition.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                result.Topics.Add(new DescribeLogDirsResponse.DescribeLogDirsTopic
                {
                    Name = topic.Key,
                    Partitions = [.. topic.OrderBy(l => l.TopicPartition.Partition).Select(l => new DescribeLogDirsResponse.DescribeLogDirsPartition
                    {
                        PartitionIndex = l.TopicPartition.Partition,
                        PartitionSize = l.Size,
                    })],
                });
            }
            try
            {
                var drive = new DriveInfo(dir);
                result.TotalBytes = drive.TotalSize;
                result.UsableBytes = drive.AvailableFreeSpace;
            }
            catch (IOException)
            {
                result.ErrorCode = (short)ErrorCode.KafkaStorageError;
            }
            response.Results.Add(result);
        }
        return new(response);
    }
}
