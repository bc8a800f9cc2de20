using Runnel.Protocol.Generator.Emit;
using Runnel.Protocol.Generator.Model;
using Runnel.Protocol.Generator.Parsing;

namespace Runnel.Protocol.Generator;

/// <summary>Reads every schema file, generates the C# files, and writes them or (--check) compares them.</summary>
public static class GeneratorRun
{
    public static string SchemaDirectory(string root) => Path.Combine(root, "src", "Runnel.Protocol", "Schema");

    public static string GeneratedDirectory(string root) => Path.Combine(root, "src", "Runnel.Protocol", "Generated");

    public static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Runnel.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No Runnel.slnx above {start}; pass --root.");
    }

    /// <summary>Parses all message schema files (not Errors.schema), keyed by file name without extension.</summary>
    public static SortedDictionary<string, IReadOnlyList<MessageDefinition>> LoadSchemas(string root)
    {
        var files = new SortedDictionary<string, IReadOnlyList<MessageDefinition>>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(SchemaDirectory(root), "*.schema"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name != "Errors")
                files[name] = SchemaParser.Parse(File.ReadAllText(path), Path.GetFileName(path));
        }
        return files;
    }

    public static IReadOnlyList<ErrorDefinition> LoadErrors(string root)
        => ErrorTableParser.Parse(File.ReadAllText(Path.Combine(SchemaDirectory(root), "Errors.schema")));

    public static int Run(string root, bool check, TextWriter output, TextWriter error)
    {
        var generated = FileEmitter.EmitAll(LoadSchemas(root), LoadErrors(root));
        var directory = GeneratedDirectory(root);
        Directory.CreateDirectory(directory);
        var existing = Directory.GetFiles(directory, "*.g.cs").Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var stale = existing.Where(f => !generated.ContainsKey(f)).ToList();
        var changed = generated.Where(g => !existing.Contains(g.Key) || File.ReadAllText(Path.Combine(directory, g.Key)) != g.Value)
            .Select(g => g.Key).ToList();
        if (check)
        {
            foreach (var file in changed)
                error.WriteLine($"out of date: Generated/{file}");
            foreach (var file in stale)
                error.WriteLine($"stale: Generated/{file}");
            if (changed.Count + stale.Count == 0)
                output.WriteLine($"Generated code is current ({generated.Count} files).");
            return changed.Count + stale.Count == 0 ? 0 : 1;
        }
        foreach (var file in changed)
            File.WriteAllText(Path.Combine(directory, file), generated[file]);
        foreach (var file in stale)
            File.Delete(Path.Combine(directory, file));
        output.WriteLine($"Wrote {changed.Count} and deleted {stale.Count} of {generated.Count} generated files.");
        return 0;
    }
}
