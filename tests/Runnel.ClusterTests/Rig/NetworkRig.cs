using System.Globalization;
using System.Text;

namespace Runnel.ClusterTests.Rig;

/// <summary>
/// N hosts as Linux network namespaces, each joined by a veth pair to one bridge in the root namespace, where the
/// test process runs: it reaches every host through the bridge's address, and hosts reach each other. Each rig owns a
/// private 10.77.N.0/24 and names starting "rnlN" (see <see cref="SubnetLease"/>). Nothing leaves the machine: hosts
/// get no default route and nothing is forwarded or NATed. Faults (NetworkRig.Faults.cs, NetworkRig.Link.cs) are
/// firewall rules inside the namespaces and queueing disciplines on the links. Dispose removes it all; a new rig first
/// removes whatever a crashed run left under its prefix.
/// </summary>
public sealed partial class NetworkRig : IAsyncDisposable
{
    private const string InChain = "RIG-IN";
    private const string OutChain = "RIG-OUT";

    private readonly SubnetLease _lease;
    private readonly List<string> _problems = [];
    private bool _disposed;

    private NetworkRig(SubnetLease lease, IReadOnlyList<RigHost> hosts, FaultLog faults)
    {
        _lease = lease;
        Hosts = hosts;
        Faults = faults;
    }

    public IReadOnlyList<RigHost> Hosts { get; }

    /// <summary>Where the rig (and the nodes on it) record faults and repairs.</summary>
    public FaultLog Faults { get; }

    public string Prefix => _lease.Prefix;

    public string Subnet => _lease.Subnet;

    /// <summary>N of 10.77.N.0/24.</summary>
    internal int SubnetIndex => _lease.Index;

    /// <summary>The test process's address on the bridge, the source of every client connection.</summary>
    public string TestProcessAddress => _lease.BridgeAddress;

    /// <summary>False when the kernel has no netem (sch_netem): delay and jitter are then unavailable, loss is emulated.</summary>
    public bool HasNetem { get; private set; }

    /// <summary>What dispose could not remove (the next rig with this prefix removes it).</summary>
    public IReadOnlyList<string> Problems => _problems;

    public RigHost this[int number] => Hosts[number - 1];

    /// <summary>Creates <paramref name="hostCount"/> hosts, h1..hN at .2 ... .N+1 of the rig's subnet.</summary>
    public static Task<NetworkRig> CreateAsync(int hostCount, FaultLog? faults = null) => CreateAsync(hostCount, faults, preferredSubnet: null);

    /// <summary>As above, on 10.77.<paramref name="preferredSubnet"/>.0/24 when it is free (for the leftover test).</summary>
    internal static async Task<NetworkRig> CreateAsync(int hostCount, FaultLog? faults, int? preferredSubnet)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostCount, 200);
        await RigPrerequisites.EnsureAsync();
        var lease = await SubnetLease.AcquireAsync(preferredSubnet);
        var hosts = Enumerable.Range(1, hostCount).Select(i => new RigHost(i, lease.Prefix, lease.HostAddress(i))).ToList();
        var rig = new NetworkRig(lease, hosts, faults ?? new FaultLog());
        try
        {
            await RemoveLeftoversAsync(lease.Prefix);
            await rig.BuildAsync();
        }
        catch (Exception e)
        {
            await rig.DisposeAsync();
            // Root without CAP_NET_ADMIN/CAP_SYS_ADMIN (an unprivileged container) ends here: say what is missing.
            throw new InvalidOperationException($"Could not build a network rig of {hostCount} hosts on {lease.Subnet}: cluster tests need root "
                + $"with the network and namespace capabilities (CI has them). {e.Message}", e);
        }
        return rig;
    }

    private string Bridge => Prefix + "br";

    private string ForwardComment => Prefix + "-fwd";

    /// <summary>
    /// Builds the bridge and hosts in a few batched commands (one process per batch, not per step: on two busy
    /// cores each process start costs tens of milliseconds).
    /// </summary>
    private async Task BuildAsync()
    {
        var root = new StringBuilder();
        root.AppendLine(CultureInfo.InvariantCulture, $"link add {Bridge} type bridge");
        root.AppendLine(CultureInfo.InvariantCulture, $"addr add {_lease.BridgeAddress}/24 dev {Bridge}");
        root.AppendLine(CultureInfo.InvariantCulture, $"link set {Bridge} up");
        foreach (var host in Hosts)
        {
            root.AppendLine(CultureInfo.InvariantCulture, $"netns add {host.Namespace}");
            root.AppendLine(CultureInfo.InvariantCulture, $"link add {host.InnerLink} netns {host.Namespace} type veth peer name {host.BridgeLink}");
            root.AppendLine(CultureInfo.InvariantCulture, $"link set {host.BridgeLink} master {Bridge} up");
        }
        await Shell.RunWithInputAsync(root.ToString(), "ip", "-batch", "-");
        // With br_netfilter loaded, bridged frames pass the root namespace's FORWARD chain: accept ours, in case its
        // policy drops (as Docker's does). Only frames between our own bridge ports match.
        await Shell.RunAsync("iptables", "-w", "-I", "FORWARD", "-i", Bridge, "-o", Bridge, "-m", "comment", "--comment", ForwardComment, "-j", "ACCEPT");
        foreach (var host in Hosts)
        {
            // Loopback up, the host's address, and no default route: only the rig's subnet is reachable.
            await Shell.RunWithInputAsync(
                $"link set lo up\naddr add {host.Address}/24 dev {host.InnerLink}\nlink set {host.InnerLink} up\n",
                "ip", "-n", host.Namespace, "-batch", "-");
            // Fault rules go into chains of our own, so healing is a flush and never touches anything else.
            await Shell.RunWithInputAsync(
                $"*filter\n:{InChain} - [0:0]\n:{OutChain} - [0:0]\n-A INPUT -j {InChain}\n-A OUTPUT -j {OutChain}\nCOMMIT\n",
                "ip", "netns", "exec", host.Namespace, "iptables-restore", "-w", "--noflush");
        }
        HasNetem = await ProbeNetemAsync(Hosts[0]);
    }

    private static async Task<bool> ProbeNetemAsync(RigHost host)
    {
        var added = await Shell.TryAsync("ip", "netns", "exec", host.Namespace, "tc", "qdisc", "add", "dev", host.InnerLink, "root", "netem", "delay", "0ms");
        if (added.ExitCode != 0)
            return false;
        await Shell.InNamespaceAsync(host.Namespace, "tc", "qdisc", "del", "dev", host.InnerLink, "root");
        return true;
    }

    /// <summary>
    /// Removes what a crashed run left under <paramref name="prefix"/>: processes still running in its namespaces
    /// (killed by pid), the namespaces, links and the root FORWARD rule. Only names of this exact prefix are touched.
    /// </summary>
    private static async Task RemoveLeftoversAsync(string prefix)
    {
        foreach (var ns in (await Shell.RunAsync("ip", "netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                     .Select(l => l.Split(' ')[0]).Where(n => n.StartsWith(prefix + "-h", StringComparison.Ordinal)))
            await DeleteNamespaceAsync(ns);
        foreach (var link in await LinksAsync(prefix))
            await Shell.TryAsync("ip", "link", "del", link);
        await DeleteForwardRulesAsync(prefix + "-fwd");
    }

    /// <summary>Our links: the bridge and the root-side veth ends, "rnlN..." exactly (rnl1 never matches rnl12's).</summary>
    private static async Task<List<string>> LinksAsync(string prefix)
    {
        var links = new List<string>();
        foreach (var line in (await Shell.RunAsync("ip", "-o", "link", "show")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(':', 3)[1].Trim().Split('@')[0];
            if (name == prefix + "br" || (name.StartsWith(prefix + "h", StringComparison.Ordinal) && name.Length > prefix.Length + 1 && char.IsAsciiDigit(name[prefix.Length + 1])))
                links.Add(name);
        }
        return links;
    }

    private static async Task DeleteForwardRulesAsync(string comment)
    {
        var rules = await Shell.TryAsync("iptables", "-w", "-S", "FORWARD");
        foreach (var rule in rules.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(r => r.Contains($"--comment {comment} ", StringComparison.Ordinal)))
            await Shell.TryAsync("iptables", ["-w", "-D", .. rule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)]);
    }

    private static async Task DeleteNamespaceAsync(string ns)
    {
        var pids = await Shell.TryAsync("ip", "netns", "pids", ns);
        foreach (var pid in pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }
        await Shell.TryAsync("ip", "netns", "del", ns);
    }

    /// <summary>Gives up the subnet without removing anything, as a crashed test process would (for the leftover test).</summary>
    internal void Abandon()
    {
        _disposed = true;
        _lease.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        // Best effort, every step tried: a failure here must not hide the test's own, and the next rig with this
        // prefix removes what is left.
        foreach (var host in Hosts)
            await AttemptAsync(() => DeleteNamespaceAsync(host.Namespace));
        await AttemptAsync(async () => await Shell.TryAsync("ip", "link", "del", Bridge));
        await AttemptAsync(() => DeleteForwardRulesAsync(ForwardComment));
        await AttemptAsync(async () =>
        {
            var left = await LinksAsync(Prefix);
            if (left.Count > 0)
                throw new InvalidOperationException($"links left: {string.Join(", ", left)}");
        });
        _lease.Dispose();
    }

    private async Task AttemptAsync(Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            _problems.Add(e.Message);
        }
    }
}
