using Runnel.Protocol.Generator;

namespace Runnel.Protocol.Tests.Schema;

/// <summary>Locates the repository and the optional reference folder of Kafka's message specifications.</summary>
internal static class ReferenceSpecs
{
    public static string RepositoryRoot { get; } = GeneratorRun.FindRepositoryRoot(AppContext.BaseDirectory);

    /// <summary>The reference specs beside the repository, or null on a clone that does not have them.</summary>
    public static string? Directory { get; } = Locate();

    private static string? Locate()
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "reference", "kafka-message-specs"));
        return System.IO.Directory.Exists(path) ? path : null;
    }
}

/// <summary>A fact that is skipped, not failed, when the reference specs are absent.</summary>
public sealed class ReferenceSpecsFactAttribute : FactAttribute
{
    public ReferenceSpecsFactAttribute()
    {
        if (ReferenceSpecs.Directory is null)
            Skip = "../shared/reference/kafka-message-specs is not present beside this clone";
    }
}
