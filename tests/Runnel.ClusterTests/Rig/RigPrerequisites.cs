namespace Runnel.ClusterTests.Rig;

/// <summary>
/// What the rig needs from the machine: root (CAP_NET_ADMIN, to create namespaces, links and firewall rules) and
/// iproute2 and iptables. Missing any of them fails the test with a message that says what to do, never a skip:
/// CI runs as root, so a silent pass would hide a broken setup.
/// </summary>
internal static class RigPrerequisites
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _checked;

    public static async Task EnsureAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_checked)
                return;
            if (!OperatingSystem.IsLinux())
                throw new InvalidOperationException("Cluster tests need Linux network namespaces.");
            if (!await IsRootAsync())
                throw new InvalidOperationException("Cluster tests must run as root: they create network namespaces, veth links, a bridge and iptables rules (CI runs as root; locally use sudo).");
            foreach (var (tool, package) in new[] { ("ip", "iproute2"), ("iptables", "iptables"), ("tc", "iproute2") })
            {
                var probe = await Shell.TryAsync(tool, "-V");
                if (probe.ExitCode == 127)
                    throw new InvalidOperationException($"Cluster tests need `{tool}` (Debian package {package}); scripts/test.sh installs it.");
            }
            _checked = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<bool> IsRootAsync() => (await Shell.TryAsync("id", "-u")).Stdout.Trim() == "0";
}
