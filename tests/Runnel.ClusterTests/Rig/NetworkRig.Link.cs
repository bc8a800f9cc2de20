using System.Globalization;

namespace Runnel.ClusterTests.Rig;

/// <summary>
/// A degraded link: delay with jitter, random loss, a bandwidth cap. Applied to both ends of the host's veth (so both
/// directions), with netem where the kernel has it. Some kernels (this project's CI machines among them) are built
/// without sch_netem; there loss is emulated with iptables' statistic match and the bandwidth cap with tbf, and delay
/// or jitter cannot be had: asking for them fails rather than silently doing nothing (check <see cref="HasNetem"/>).
/// </summary>
public sealed record LinkFault(TimeSpan Delay = default, TimeSpan Jitter = default, double LossPercent = 0, int RateKbit = 0)
{
    public override string ToString()
    {
        var parts = new List<string>();
        if (Delay > TimeSpan.Zero)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"delay {Delay.TotalMilliseconds:0}ms") + (Jitter > TimeSpan.Zero ? string.Create(CultureInfo.InvariantCulture, $" ±{Jitter.TotalMilliseconds:0}ms") : ""));
        if (LossPercent > 0)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"loss {LossPercent:0.#}%"));
        if (RateKbit > 0)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"rate {RateKbit}kbit"));
        return string.Join(", ", parts);
    }
}

public sealed partial class NetworkRig
{
    private readonly HashSet<RigHost> _shapedLinks = [];

    /// <summary>Degrades <paramref name="host"/>'s link (both directions); replaces an earlier link fault on it.</summary>
    public Task DegradeLinkAsync(RigHost host, LinkFault fault)
    {
        if (!HasNetem && (fault.Delay > TimeSpan.Zero || fault.Jitter > TimeSpan.Zero))
            throw new NotSupportedException("This kernel has no netem (sch_netem), so link delay and jitter are unavailable; use loss or a rate cap.");
        var how = HasNetem ? "netem" : (fault.LossPercent > 0 ? "iptables statistic" : "") + (fault.LossPercent > 0 && fault.RateKbit > 0 ? " + " : "") + (fault.RateKbit > 0 ? "tbf" : "");
        return FaultAsync($"degrade link of {host}: {fault} ({how})", async () =>
        {
            await ClearLinkAsync(host);
            _shapedLinks.Add(host);
            if (HasNetem)
            {
                foreach (var (ns, link) in LinkEnds(host))
                    await TcAsync(ns, ["qdisc", "replace", "dev", link, "root", "netem", .. NetemArguments(fault)]);
                return;
            }
            if (fault.LossPercent > 0)
            {
                var probability = (fault.LossPercent / 100).ToString("0.####", CultureInfo.InvariantCulture);
                await AddAsync(new FirewallRule(host, InChain, ["-i", host.InnerLink, "-m", "statistic", "--mode", "random", "--probability", probability, "-j", "DROP"], [host]));
                await AddAsync(new FirewallRule(host, OutChain, ["-o", host.InnerLink, "-m", "statistic", "--mode", "random", "--probability", probability, "-j", "DROP"], [host]));
            }
            if (fault.RateKbit > 0)
            {
                foreach (var (ns, link) in LinkEnds(host))
                    await TcAsync(ns, "qdisc", "replace", "dev", link, "root", "tbf", "rate", $"{fault.RateKbit}kbit", "burst", "16kb", "latency", "400ms");
            }
        });
    }

    private static string[] NetemArguments(LinkFault fault)
    {
        var args = new List<string>();
        if (fault.Delay > TimeSpan.Zero || fault.Jitter > TimeSpan.Zero)
        {
            args.AddRange(["delay", Ms(fault.Delay)]);
            if (fault.Jitter > TimeSpan.Zero)
                args.AddRange([Ms(fault.Jitter), "distribution", "normal"]);
        }
        if (fault.LossPercent > 0)
            args.AddRange(["loss", fault.LossPercent.ToString("0.###", CultureInfo.InvariantCulture) + "%"]);
        if (fault.RateKbit > 0)
            args.AddRange(["rate", $"{fault.RateKbit}kbit"]);
        return [.. args];
    }

    private static string Ms(TimeSpan t) => ((int)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

    /// <summary>The veth end inside the host (its egress) and the one on the bridge (the host's ingress).</summary>
    private static (string? Namespace, string Link)[] LinkEnds(RigHost host) => [(host.Namespace, host.InnerLink), (null, host.BridgeLink)];

    private static Task<string> TcAsync(string? ns, params string[] args)
        => ns is null ? Shell.RunAsync("tc", args) : Shell.InNamespaceAsync(ns, "tc", args);

    /// <summary>Removes the host's queueing disciplines (its loss rules go with its firewall rules).</summary>
    private async Task ClearLinkAsync(RigHost host)
    {
        if (!_shapedLinks.Remove(host))
            return;
        foreach (var (ns, link) in LinkEnds(host))
        {
            // "No such file": the link had the default qdisc (loss alone, without netem, adds none).
            var args = new[] { "qdisc", "del", "dev", link, "root" };
            _ = ns is null ? await Shell.TryAsync("tc", args) : await Shell.TryAsync("ip", ["netns", "exec", ns, "tc", .. args]);
        }
        foreach (var rule in _rules.Where(r => r.Host == host && r.Involves.Length == 1 && r.Spec.Contains("statistic")).ToList())
        {
            await Shell.InNamespaceAsync(rule.Host.Namespace, "iptables", ["-w", "-D", rule.Chain, .. rule.Spec]);
            _rules.Remove(rule);
        }
    }
}
