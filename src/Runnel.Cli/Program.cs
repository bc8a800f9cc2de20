using System.Runtime.InteropServices;
using Runnel.Cli;

// Ctrl-C and SIGTERM cancel the command, which then stops cleanly (flushes, prints its summary, closes the broker).
using var interrupted = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
return await CliApp.RunAsync(args, CliConsole.FromProcess(), interrupted.Token).ConfigureAwait(false);

void Cancel(PosixSignalContext context)
{
    // A second signal while shutting down falls through to the default handler and ends the process at once.
    context.Cancel = !interrupted.IsCancellationRequested;
    interrupted.Cancel();
}
