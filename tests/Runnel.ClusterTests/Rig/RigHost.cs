namespace Runnel.ClusterTests.Rig;

/// <summary>
/// One host of a <see cref="NetworkRig"/>: a network namespace with loopback and one veth link to the rig's bridge.
/// </summary>
public sealed class RigHost
{
    internal RigHost(int number, string prefix, string address)
    {
        Number = number;
        Namespace = $"{prefix}-h{number}";
        Address = address;
        InnerLink = $"{prefix}h{number}";
        BridgeLink = $"{prefix}h{number}b";
    }

    /// <summary>1-based, as in the host's names.</summary>
    public int Number { get; }

    /// <summary>The network namespace, for <c>ip netns exec</c>.</summary>
    public string Namespace { get; }

    /// <summary>The host's only address outside loopback; the test process reaches it through the bridge.</summary>
    public string Address { get; }

    /// <summary>The veth end inside the namespace.</summary>
    internal string InnerLink { get; }

    /// <summary>The veth end in the root namespace, enslaved to the bridge.</summary>
    internal string BridgeLink { get; }

    public override string ToString() => $"h{Number} ({Address})";
}
