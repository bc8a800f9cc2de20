using Runnel.Protocol.Generator;

namespace Runnel.Protocol.Tests.Schema;

/// <summary>Locates the repository and the optional reference folder of Kafka's message specifications.</summary>
internal static class ReferenceSpecs
{
    public static string RepositoryRoot { get; } = GeneratorRun.FindRepositoryRoot(AppContext.BaseDirectory);

    /// <summary>
    /// The reference specs in shared/reference beside the repository or beside a folder above it (a worktree one level
    /// further down), or null on a clone that does not have them.
    /// </summary>
    public static string? Directory { get; } = Locate();

    private static string? Locate()
    {
        for (var dir = new DirectoryInfo(RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "shared", "reference", "kafka-message-specs");
            if (System.IO.Directory.Exists(path))
                return path;
        }
        return null;
    }
}

/// <summary>A fact that is skipped, not failed, when the reference specs are absent.</summary>
public sealed class ReferenceSpecsFactAttribute : FactAttribute
{
    public ReferenceSpecsFactAttribute()
    {
        if (ReferenceSpecs.Directory is null)
            Skip = "shared/reference/kafka-message-specs is not present beside this clone or a folder above it";
    }
}
