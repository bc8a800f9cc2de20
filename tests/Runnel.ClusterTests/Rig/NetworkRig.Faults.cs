using System.Globalization;

namespace Runnel.ClusterTests.Rig;

/// <summary>
/// Partitions: DROP rules in the hosts' own RIG-IN/RIG-OUT chains, always on both sides of a cut, so neither end's
/// packets reach the other (established TCP connections stall, as on a real partition, and resume after the heal).
/// Every rule is remembered with the hosts it involves, so healing one host removes exactly its rules.
/// </summary>
public sealed partial class NetworkRig
{
    private readonly List<FirewallRule> _rules = [];
    private readonly SemaphoreSlim _faultGate = new(1, 1);

    /// <summary>A rule in <paramref name="Host"/>'s namespace; <paramref name="Involves"/> are the hosts whose heal removes it.</summary>
    private sealed record FirewallRule(RigHost Host, string Chain, string[] Spec, RigHost[] Involves);

    /// <summary>Drops all traffic between <paramref name="a"/> and <paramref name="b"/>, both directions.</summary>
    public Task CutAsync(RigHost a, RigHost b) => FaultAsync($"cut {a} <-> {b}", () => CutPairAsync(a, b));

    /// <summary>Cuts <paramref name="host"/> from every other host (and from the test process, if asked: its clients then time out).</summary>
    public Task IsolateAsync(RigHost host, bool fromTestProcess = false)
        => FaultAsync($"isolate {host} from {Names(Others(host))}{(fromTestProcess ? " and the test process" : "")}", async () =>
        {
            foreach (var other in Others(host))
                await CutPairAsync(host, other);
            if (fromTestProcess)
            {
                await AddAsync(new FirewallRule(host, InChain, ["-s", TestProcessAddress, "-j", "DROP"], [host]));
                await AddAsync(new FirewallRule(host, OutChain, ["-d", TestProcessAddress, "-j", "DROP"], [host]));
            }
        });

    /// <summary>Cuts every host of <paramref name="side"/> from every host not in it: a minority/majority split.</summary>
    public Task SplitAsync(params RigHost[] side)
    {
        var rest = Hosts.Except(side).ToArray();
        return FaultAsync($"split {Names(side)} | {Names(rest)}", async () =>
        {
            foreach (var a in side)
            {
                foreach (var b in rest)
                    await CutPairAsync(a, b);
            }
        });
    }

    /// <summary>
    /// Cuts one TCP port of <paramref name="host"/> from its peers, in both roles: peers cannot reach the host's
    /// <paramref name="port"/>, and the host cannot reach theirs; every other port stays open (2013's Kafka case: the
    /// data port cut, the controller port open). The test process is not cut.
    /// </summary>
    public Task CutPortAsync(RigHost host, int port)
    {
        var p = port.ToString(CultureInfo.InvariantCulture);
        return FaultAsync($"cut tcp port {p} of {host} from {Names(Others(host))}", async () =>
        {
            foreach (var peer in Others(host))
            {
                RigHost[] involves = [host, peer];
                await AddAsync(new FirewallRule(host, InChain, ["-s", peer.Address, "-p", "tcp", "--dport", p, "-j", "DROP"], involves));
                await AddAsync(new FirewallRule(host, OutChain, ["-d", peer.Address, "-p", "tcp", "--sport", p, "-j", "DROP"], involves));
                await AddAsync(new FirewallRule(host, OutChain, ["-d", peer.Address, "-p", "tcp", "--dport", p, "-j", "DROP"], involves));
                await AddAsync(new FirewallRule(host, InChain, ["-s", peer.Address, "-p", "tcp", "--sport", p, "-j", "DROP"], involves));
            }
        });
    }

    /// <summary>Removes every fault that involves <paramref name="host"/>: its cuts (on both sides) and its link faults.</summary>
    public async Task HealAsync(RigHost host)
    {
        await _faultGate.WaitAsync();
        try
        {
            foreach (var rule in _rules.Where(r => r.Involves.Contains(host)).ToList())
            {
                await Shell.InNamespaceAsync(rule.Host.Namespace, "iptables", ["-w", "-D", rule.Chain, .. rule.Spec]);
                _rules.Remove(rule);
            }
            await ClearLinkAsync(host);
            Faults.Repair($"heal {host}");
        }
        finally
        {
            _faultGate.Release();
        }
    }

    /// <summary>Removes every fault on every host.</summary>
    public async Task HealAllAsync()
    {
        await _faultGate.WaitAsync();
        try
        {
            foreach (var host in Hosts)
            {
                // The link first: it removes its own loss rules, which the flush would otherwise have taken already.
                await ClearLinkAsync(host);
                await Shell.InNamespaceAsync(host.Namespace, "iptables", "-w", "-F", InChain);
                await Shell.InNamespaceAsync(host.Namespace, "iptables", "-w", "-F", OutChain);
            }
            _rules.Clear();
            Faults.Repair("heal all");
        }
        finally
        {
            _faultGate.Release();
        }
    }

    private async Task CutPairAsync(RigHost a, RigHost b)
    {
        RigHost[] involves = [a, b];
        foreach (var (here, there) in new[] { (a, b), (b, a) })
        {
            await AddAsync(new FirewallRule(here, InChain, ["-s", there.Address, "-j", "DROP"], involves));
            await AddAsync(new FirewallRule(here, OutChain, ["-d", there.Address, "-j", "DROP"], involves));
        }
    }

    private async Task AddAsync(FirewallRule rule)
    {
        await Shell.InNamespaceAsync(rule.Host.Namespace, "iptables", ["-w", "-A", rule.Chain, .. rule.Spec]);
        _rules.Add(rule);
    }

    /// <summary>Applies a fault under the gate and records it once it is in force.</summary>
    private async Task FaultAsync(string what, Func<Task> apply)
    {
        await _faultGate.WaitAsync();
        try
        {
            await apply();
            Faults.Fault(what);
        }
        finally
        {
            _faultGate.Release();
        }
    }

    private IEnumerable<RigHost> Others(RigHost host) => Hosts.Where(h => h != host);

    private static string Names(IEnumerable<RigHost> hosts) => string.Join(", ", hosts.Select(h => "h" + h.Number.ToString(CultureInfo.InvariantCulture)));
}
