using Runnel.Client.Producer;

namespace Runnel.Client.Tests;

/// <summary>The client stays a protocol-only library that .NET users can take without the broker.</summary>
public class LayeringTests
{
    [Fact]
    public void The_client_references_no_runnel_assembly_but_the_protocol()
    {
        var runnel = typeof(RunnelProducer).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Runnel.", StringComparison.Ordinal));
        Assert.Equal(["Runnel.Protocol"], runnel);
    }
}
