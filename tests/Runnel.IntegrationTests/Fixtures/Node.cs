
namespace Runnel.IntegrationTests.Fixtures;

/// <summary>Runs KafkaJS scripts from the source tree, where `npm ci` installed their node_modules.</summary>
public static class Node
{
    public static string ScriptsDirectory { get; } = Path.Combine(RepositoryRoot(), "tests", "Runnel.IntegrationTests", "Scripts", "node");

    public static async Task<ProcessResult> RunAsync(string script, params string[] args)
    {
        if (!Directory.Exists(Path.Combine(ScriptsDirectory, "node_modules", "kafkajs")))
            throw new InvalidOperationException($"KafkaJS is not installed: run `npm ci` in {ScriptsDirectory} (scripts/test.sh does).");
        var result = await ExternalProcess.RunAsync("node", [Path.Combine(ScriptsDirectory, script), .. args], timeout: TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        return result;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Runnel.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Runnel.slnx not found above the test binaries.");
    }
}
