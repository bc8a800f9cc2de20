using System.Diagnostics;

namespace Runnel.ClusterTests.Rig;

/// <summary>
/// The rig itself: hosts reach each other and are reached from the test process, each fault cuts exactly what it
/// says (probed with TCP connects: a reset means reachable, silence means cut), heals restore it, and nothing is left
/// behind, even by a run that crashed.
/// </summary>
public sealed class NetworkRigTests
{
    private const int DataPort = 9092;
    private const int ControlPort = 9093;

    [Fact]
    public async Task Hosts_reach_each_other_and_the_test_process_reaches_every_host_but_nothing_else()
    {
        await using var rig = await NetworkRig.CreateAsync(3);

        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[1], rig[2], DataPort));
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[3], rig[1], DataPort));
        foreach (var host in rig.Hosts)
        {
            Assert.Equal(Reach.Refused, await Reachability.FromTestProcessAsync(host, DataPort));
            // Only the rig's own subnet is routed: no default route, so no packet can leave the machine.
            var routes = await Shell.RunAsync("ip", "-n", host.Namespace, "-4", "route", "show");
            Assert.Equal($"{rig.Subnet} dev {host.InnerLink} proto kernel scope link src {host.Address}", routes.Trim());
            Assert.Contains("UP", await Shell.RunAsync("ip", "-n", host.Namespace, "link", "show", "lo"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_cut_blocks_both_directions_between_two_hosts_only_and_a_heal_restores_them()
    {
        await using var rig = await NetworkRig.CreateAsync(3);
        await rig.CutAsync(rig[1], rig[2]);

        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[1], rig[2], DataPort));
        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[2], rig[1], DataPort));
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[1], rig[3], DataPort));
        Assert.Equal(Reach.Refused, await Reachability.FromTestProcessAsync(rig[1], DataPort));

        await rig.HealAsync(rig[2]);
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[1], rig[2], DataPort));
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[2], rig[1], DataPort));
        Assert.Equal(1, rig.Faults.FaultCount);
    }

    [Fact]
    public async Task A_port_cut_blocks_only_that_port_between_peers_then_isolation_blocks_the_rest()
    {
        await using var rig = await NetworkRig.CreateAsync(3);
        await rig.CutPortAsync(rig[1], DataPort);

        // 2013's case: the data port is cut between peers, the controller port still answers.
        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[2], rig[1], DataPort));
        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[1], rig[3], DataPort));
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[2], rig[1], ControlPort));
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[2], rig[3], DataPort));
        Assert.Equal(Reach.Refused, await Reachability.FromTestProcessAsync(rig[1], DataPort));

        // Then fully.
        await rig.IsolateAsync(rig[1]);
        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[2], rig[1], ControlPort));
        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[1], rig[3], ControlPort));
        Assert.Equal(Reach.Refused, await Reachability.FromTestProcessAsync(rig[1], ControlPort));

        await rig.HealAllAsync();
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[2], rig[1], DataPort));
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[1], rig[3], ControlPort));
    }

    [Fact]
    public async Task A_split_separates_the_minority_from_the_majority_and_isolation_can_include_the_test_process()
    {
        await using var rig = await NetworkRig.CreateAsync(3);
        await rig.SplitAsync(rig[1]);

        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[1], rig[2], DataPort));
        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[3], rig[1], DataPort));
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[2], rig[3], DataPort));

        await rig.HealAllAsync();
        await rig.IsolateAsync(rig[3], fromTestProcess: true);
        Assert.Equal(Reach.Blocked, await Reachability.FromTestProcessAsync(rig[3], DataPort));
        Assert.Equal(Reach.Refused, await Reachability.FromTestProcessAsync(rig[2], DataPort));
        await rig.HealAsync(rig[3]);
        Assert.Equal(Reach.Refused, await Reachability.FromTestProcessAsync(rig[3], DataPort));
        Assert.Equal(2, rig.Faults.FaultCount);
    }

    [Fact]
    public async Task A_degraded_link_is_shaped_and_healed_and_delay_without_netem_fails_clearly()
    {
        await using var rig = await NetworkRig.CreateAsync(2);
        await rig.DegradeLinkAsync(rig[1], new LinkFault(LossPercent: 100, RateKbit: 1024));

        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[2], rig[1], DataPort));
        var qdisc = await Shell.RunAsync("ip", "netns", "exec", rig[1].Namespace, "tc", "qdisc", "show", "dev", rig[1].InnerLink);
        Assert.Contains(rig.HasNetem ? "netem" : "tbf", qdisc, StringComparison.Ordinal);

        await rig.HealAsync(rig[1]);
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[2], rig[1], DataPort));
        Assert.DoesNotContain("tbf", await Shell.RunAsync("ip", "netns", "exec", rig[1].Namespace, "tc", "qdisc", "show", "dev", rig[1].InnerLink), StringComparison.Ordinal);
        if (!rig.HasNetem)
            await Assert.ThrowsAsync<NotSupportedException>(() => rig.DegradeLinkAsync(rig[1], new LinkFault(Delay: TimeSpan.FromMilliseconds(50))));

        // Every link degraded, then one heal of everything (loss rules and queueing disciplines alike).
        foreach (var host in rig.Hosts)
            await rig.DegradeLinkAsync(host, new LinkFault(LossPercent: 100));
        Assert.Equal(Reach.Blocked, await Reachability.FromHostAsync(rig[2], rig[1], DataPort));
        await rig.HealAllAsync();
        Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[2], rig[1], DataPort));
    }

    [Fact]
    public async Task Dispose_removes_everything_and_a_new_rig_removes_what_a_crashed_run_left()
    {
        var crashed = await NetworkRig.CreateAsync(2);
        var prefix = crashed.Prefix;
        // A server left running inside the crashed run's host, as after a test process killed mid-scenario.
        using var orphan = Process.Start(new ProcessStartInfo(Shell.Resolve("ip"), ["netns", "exec", crashed[1].Namespace, "sleep", "120"]))!;
        crashed.Abandon();

        await using (var rig = await NetworkRig.CreateAsync(2, null, crashed.SubnetIndex))
        {
            Assert.Equal(prefix, rig.Prefix);
            Assert.True(orphan.WaitForExit(TimeSpan.FromSeconds(10)), "the leftover host's process was not killed");
            Assert.Equal(Reach.Refused, await Reachability.FromHostAsync(rig[1], rig[2], DataPort));
        }

        Assert.DoesNotContain(prefix + "-h", await Shell.RunAsync("ip", "netns", "list"), StringComparison.Ordinal);
        Assert.DoesNotContain(prefix + "br", await Shell.RunAsync("ip", "-o", "link", "show"), StringComparison.Ordinal);
        Assert.DoesNotContain(prefix + "-fwd", await Shell.RunAsync("iptables", "-w", "-S", "FORWARD"), StringComparison.Ordinal);
    }
}
