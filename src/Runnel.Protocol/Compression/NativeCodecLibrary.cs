using System.Runtime.InteropServices;

namespace Runnel.Protocol.Compression;

/// <summary>
/// A system library a codec calls into. It is probed once, on first use, with the same search the interop stubs
/// use, and checked for every function the codec imports; a missing library (or one too old to export them) then
/// turns into <see cref="CompressionFailure.Unsupported"/> naming the library and the package that provides it,
/// rather than a DllNotFoundException or EntryPointNotFoundException from the middle of a request.
/// </summary>
internal sealed class NativeCodecLibrary
{
    private readonly Lazy<string?> _problem;

    public NativeCodecLibrary(string fileName, string package, params string[] functions)
    {
        Functions = functions;
        _problem = new Lazy<string?>(() => Probe(fileName, package, functions));
    }

    /// <summary>The functions checked for: every one the codec imports (a test keeps this list complete).</summary>
    public IReadOnlyList<string> Functions { get; }

    /// <summary>Throws <see cref="CompressionFailure.Unsupported"/> when the library cannot be used.</summary>
    public void EnsureAvailable()
    {
        if (_problem.Value is { } problem)
            throw new CompressionException(CompressionFailure.Unsupported, problem);
    }

    private static string? Probe(string fileName, string package, string[] functions)
    {
        if (!NativeLibrary.TryLoad(fileName, typeof(NativeCodecLibrary).Assembly, searchPath: null, out var handle))
            return $"{fileName} was not found; install it (Debian package {package}) to use this codec.";
        // The handle stays loaded: the interop stubs resolve the same library and keep using it.
        foreach (var function in functions)
        {
            if (!NativeLibrary.TryGetExport(handle, function, out _))
                return $"{fileName} does not export {function}; install a newer version (Debian package {package}).";
        }
        return null;
    }
}
