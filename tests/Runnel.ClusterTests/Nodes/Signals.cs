using System.Runtime.InteropServices;

namespace Runnel.ClusterTests.Nodes;

/// <summary>
/// POSIX signals by process id, straight through libc's kill(2): .NET has no API for SIGSTOP, SIGCONT or SIGTERM, and
/// procps' kill command is not on every minimal Debian.
/// </summary>
internal static class Signals
{
    // Linux x86-64 and arm64 numbers.
    public const int Kill = 9;
    public const int Term = 15;
    public const int Cont = 18;
    public const int Stop = 19;

    public static void Send(int pid, int signal)
    {
        if (SysKill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
