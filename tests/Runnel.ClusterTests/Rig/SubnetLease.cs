using System.Globalization;

namespace Runnel.ClusterTests.Rig;

/// <summary>
/// One rig's claim on a /24 (10.77.N.0/24) and on the names derived from N (prefix "rnlN"), held by an exclusive
/// lock on a file for the rig's life. The lock is the kernel's (flock), so it also ends when a test process dies:
/// whatever then carries the prefix is a crashed run's leftover, safe to remove. Parallel rigs, in one test process or
/// in several (other worktrees), so never share an address or a name.
/// </summary>
internal sealed class SubnetLease : IDisposable
{
    private const int SecondOctet = 77;
    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "runnel-rig-locks");

    private readonly FileStream _lock;

    private SubnetLease(int index, FileStream lockFile)
    {
        Index = index;
        _lock = lockFile;
    }

    /// <summary>N in 10.77.N.0/24, 1-254.</summary>
    public int Index { get; }

    /// <summary>Prefix of every namespace, link and firewall comment of this rig; short, as link names have 15 bytes.</summary>
    public string Prefix => "rnl" + Index.ToString(CultureInfo.InvariantCulture);

    public string Subnet => $"10.{SecondOctet}.{Index}.0/24";

    /// <summary>The address of host i (1-based): .1 is the bridge (the test process's side), so hosts start at .2.</summary>
    public string HostAddress(int host) => $"10.{SecondOctet}.{Index}.{host + 1}";

    public string BridgeAddress => $"10.{SecondOctet}.{Index}.1";

    /// <summary>
    /// Takes the first free index from a random start (or from <paramref name="preferred"/>), skipping subnets the
    /// machine already routes.
    /// </summary>
    public static async Task<SubnetLease> AcquireAsync(int? preferred = null)
    {
        Directory.CreateDirectory(LockDirectory);
        var routes = await Shell.RunAsync("ip", "-4", "route", "show");
        var start = preferred ?? Random.Shared.Next(1, 255);
        for (var i = 0; i < 254; i++)
        {
            var index = (start + i - 1) % 254 + 1;
            if (routes.Contains($"10.{SecondOctet}.{index}.", StringComparison.Ordinal) && !await IsLeftoverAsync(index))
                continue;
            FileStream file;
            try
            {
                // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Linux: another holder, here or in another process, fails.
                file = new FileStream(Path.Combine(LockDirectory, $"subnet-{index}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue;
            }
            return new SubnetLease(index, file);
        }
        throw new InvalidOperationException($"No free 10.{SecondOctet}.N.0/24 for a network rig (all 254 leased or routed).");
    }

    /// <summary>A route to the subnet through a bridge of our own naming is a crashed run's, which the new lease removes.</summary>
    private static async Task<bool> IsLeftoverAsync(int index)
    {
        var routes = await Shell.RunAsync("ip", "-4", "route", "show", $"10.{SecondOctet}.{index}.0/24");
        return routes.Contains($"dev rnl{index.ToString(CultureInfo.InvariantCulture)}br", StringComparison.Ordinal);
    }

    public void Dispose() => _lock.Dispose();
}
