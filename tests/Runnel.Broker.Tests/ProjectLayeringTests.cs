using System.Xml.Linq;

namespace Runnel.Broker.Tests;

/// <summary>
/// Dependencies point one way: Protocol &lt;- Storage &lt;- Raft/Metadata &lt;- Broker; Protocol &lt;- Net (the one outbound
/// Kafka connection) &lt;- Raft, Client and Broker; Client on Protocol and Net only; Console on Client and Broker; SchemaRegistry on Client; Http on Broker, Console and SchemaRegistry; the CLI on Client, Broker and Http.
/// Read from the project files, so a new reference that breaks the layering fails here.
/// </summary>
public sealed class ProjectLayeringTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Runnel.Protocol"] = [],
        ["Runnel.Protocol.Generator"] = [],
        ["Runnel.Net"] = ["Runnel.Protocol"],
        ["Runnel.Storage"] = ["Runnel.Protocol"],
        ["Runnel.Raft"] = ["Runnel.Protocol", "Runnel.Storage", "Runnel.Net"],
        ["Runnel.Metadata"] = ["Runnel.Protocol", "Runnel.Storage", "Runnel.Raft"],
        ["Runnel.Broker"] = ["Runnel.Protocol", "Runnel.Net", "Runnel.Storage", "Runnel.Raft", "Runnel.Metadata"],
        ["Runnel.Client"] = ["Runnel.Protocol", "Runnel.Net"],
        // The HTTP faces (ASP.NET Core) sit on the broker, which does not know them: the CLI composes both.
        // The web console reaches the cluster as a Kafka client (Runnel.Client) and uses the broker's lag evaluator.
        ["Runnel.Console"] = ["Runnel.Client", "Runnel.Broker"],
        // The Schema Registry keeps its store in a topic through Runnel's own client, as any other client would.
        ["Runnel.SchemaRegistry"] = ["Runnel.Client"],
        ["Runnel.Http"] = ["Runnel.Broker", "Runnel.Console", "Runnel.SchemaRegistry"],
        ["Runnel.Cli"] = ["Runnel.Client", "Runnel.Broker", "Runnel.Http", "Runnel.Protocol"],
    };

    [Fact]
    public void Source_projects_reference_only_the_layers_below_them()
    {
        var root = RepositoryRoot();
        var projects = Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);
        foreach (var project in projects)
        {
            var name = Path.GetFileNameWithoutExtension(project);
            Assert.True(Allowed.TryGetValue(name, out var allowed), $"{name} is not in the layering table; add it with the references it may have");
            var references = XDocument.Load(project).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value));
            Assert.All(references, reference => Assert.True(allowed.Contains(reference), $"{name} must not reference {reference}"));
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Runnel.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Runnel.slnx not found");
    }
}
