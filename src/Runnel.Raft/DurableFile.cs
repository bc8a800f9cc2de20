using Runnel.Storage.IO;

namespace Runnel.Raft;

/// <summary>Replacing a whole small file so a crash leaves the old or the new one, never a torn one.</summary>
internal static class DurableFile
{
    /// <summary>Writes a temp file, fsyncs it, renames it over <paramref name="path"/> and fsyncs the directory.</summary>
    public static void Replace(IFileSystem fileSystem, string path, ReadOnlySpan<byte> contents)
    {
        var temp = path + ".tmp";
        using (var file = fileSystem.Open(temp, create: true))
        {
            file.SetLength(0);
            file.Write(0, contents);
            file.Flush();
        }
        fileSystem.Rename(temp, path);
        fileSystem.SyncDirectory(Path.GetDirectoryName(path)!);
    }
}
