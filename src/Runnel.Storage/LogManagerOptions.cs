using Runnel.Storage.IO;

namespace Runnel.Storage;

/// <summary>How a <see cref="LogManager"/> finds and treats its partitions.</summary>
public sealed record LogManagerOptions
{
    /// <summary>log.dirs: one or more directories, each holding partition directories.</summary>
    public required IReadOnlyList<string> LogDirs { get; init; }

    /// <summary>Config for topics without overrides.</summary>
    public LogConfig DefaultConfig { get; init; } = LogConfig.Default;

    /// <summary>A topic's config (with its overrides) when its partitions are reopened at start-up; default when null.</summary>
    public Func<string, LogConfig>? TopicConfig { get; init; }

    public DurabilityMode Durability { get; init; } = DurabilityMode.GroupCommit;

    public IFileSystem FileSystem { get; init; } = PhysicalFileSystem.Instance;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public StorageLog? Log { get; init; }
}
