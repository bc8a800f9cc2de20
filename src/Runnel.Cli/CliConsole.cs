using System.Text;

namespace Runnel.Cli;

/// <summary>
/// The streams a command talks to and whether each is a terminal. Commands never touch <see cref="Console"/>, so
/// tests run them in-process with string readers and writers.
/// </summary>
internal sealed class CliConsole(TextReader input, TextWriter output, TextWriter error, bool inputIsTerminal, bool outputIsTerminal, bool errorIsTerminal)
{
    public TextReader In { get; } = input;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public bool InputIsTerminal { get; } = inputIsTerminal;

    public bool OutputIsTerminal { get; } = outputIsTerminal;

    /// <summary>Progress lines and summaries go to stderr, and only when a person is watching it.</summary>
    public bool ErrorIsTerminal { get; } = errorIsTerminal;

    /// <summary>The process's streams; stdout is buffered (flushed by commands) because consumers can print millions of lines.</summary>
    public static CliConsole FromProcess()
    {
        var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 64 * 1024) { AutoFlush = false };
        var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false), false, 64 * 1024);
        return new CliConsole(input, output, Console.Error, !Console.IsInputRedirected, !Console.IsOutputRedirected, !Console.IsErrorRedirected);
    }
}
