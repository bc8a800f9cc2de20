using System.Runtime.InteropServices;

namespace Runnel.ClusterTests.Workload;

/// <summary>
/// Loads librdkafka once per process. The redist's default Linux build links libsasl2.so.3, which Debian machines
/// here lack; its centos8 build has no such dependency. The version is checked so a stray system librdkafka (Debian
/// ships 2.0.2) can never stand in for the one the managed client was built against. The client's loader asks for
/// "libdl", a name only development packages provide since glibc 2.34 folded it into libc; it is resolved to the
/// runtime's libdl.so.2 instead.
/// </summary>
internal static class KafkaNative
{
    private static readonly Lazy<string> Loaded = new(Load);

    public static string Version => Loaded.Value;

    public static void EnsureLoaded() => _ = Loaded.Value;

    private static string Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "centos8-librdkafka.so");
        if (!File.Exists(path))
            throw new InvalidOperationException($"{path} is missing: the librdkafka.redist package copies it next to the tests.");
        // The client binds its functions by DllImport of "librdkafka", which would find the default build again.
        NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly, (name, _, _) => name switch
        {
            "libdl" => NativeLibrary.Load("libdl.so.2"),
            _ when name.Contains("librdkafka", StringComparison.Ordinal) => NativeLibrary.Load(path),
            _ => IntPtr.Zero,
        });
        Confluent.Kafka.Library.Load(path);
        var version = Confluent.Kafka.Library.VersionString;
        if (!version.StartsWith("2.16", StringComparison.Ordinal))
            throw new InvalidOperationException($"librdkafka {version} was loaded, expected 2.16.x from {path}.");
        return version;
    }
}
