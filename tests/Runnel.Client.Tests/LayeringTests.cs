using Runnel.Client.Producer;

namespace Runnel.Client.Tests;

/// <summary>The client stays a library on the protocol and the shared connection that .NET users can take without the broker.</summary>
public class LayeringTests
{
    [Fact]
    public void The_client_references_no_runnel_assembly_but_the_protocol_and_the_connection()
    {
        var runnel = typeof(RunnelProducer).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Runnel.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["Runnel.Net", "Runnel.Protocol"], runnel);
    }
}
