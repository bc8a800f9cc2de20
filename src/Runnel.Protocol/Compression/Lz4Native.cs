using System.Runtime.InteropServices;

namespace Runnel.Protocol.Compression;

/// <summary>The LZ4 frame API (lz4frame.h) of the system's liblz4, stable since 1.8.</summary>
internal static unsafe partial class Lz4Native
{
    private const string LibraryName = "liblz4.so.1";

    /// <summary>The LZ4F_VERSION a context is created for.</summary>
    public const uint FrameVersion = 100;

    public static readonly NativeCodecLibrary Library = new(
        LibraryName,
        "liblz4-1",
        "LZ4F_createDecompressionContext",
        "LZ4F_freeDecompressionContext",
        "LZ4F_resetDecompressionContext",
        "LZ4F_decompress",
        "LZ4F_compressFrameBound",
        "LZ4F_compressFrame",
        "LZ4F_isError",
        "LZ4F_getErrorName");

    [LibraryImport(LibraryName)]
    private static partial nuint LZ4F_createDecompressionContext(out nint context, uint version);

    [LibraryImport(LibraryName)]
    private static partial nuint LZ4F_freeDecompressionContext(nint context);

    /// <summary>Returns a context to the start of a frame, also after an error or a frame left half read.</summary>
    [LibraryImport(LibraryName)]
    public static partial void LZ4F_resetDecompressionContext(NativeContext context);

    /// <summary>Returns 0 when a frame is complete, else a hint of the input wanted next, or an error code.</summary>
    [LibraryImport(LibraryName)]
    public static partial nuint LZ4F_decompress(
        NativeContext context, byte* destination, nuint* destinationSize, byte* source, nuint* sourceSize, void* options);

    [LibraryImport(LibraryName)]
    public static partial nuint LZ4F_compressFrameBound(nuint sourceSize, in Lz4Preferences preferences);

    [LibraryImport(LibraryName)]
    public static partial nuint LZ4F_compressFrame(
        byte* destination, nuint capacity, byte* source, nuint sourceSize, in Lz4Preferences preferences);

    [LibraryImport(LibraryName)]
    private static partial uint LZ4F_isError(nuint code);

    [LibraryImport(LibraryName)]
    private static partial nint LZ4F_getErrorName(nuint code);

    public static NativeContext CreateDecompressionContext()
    {
        var error = LZ4F_createDecompressionContext(out var context, FrameVersion);
        return new NativeContext(IsError(error) ? 0 : context, c => LZ4F_freeDecompressionContext(c), "LZ4F_createDecompressionContext");
    }

    public static bool IsError(nuint code) => LZ4F_isError(code) != 0;

    public static string ErrorName(nuint code) => Marshal.PtrToStringUTF8(LZ4F_getErrorName(code)) ?? "unknown error";
}

/// <summary>
/// LZ4F_preferences_t with its embedded LZ4F_frameInfo_t (56 bytes; the layout has been stable since lz4 1.8).
/// Enum fields are C ints; zero everywhere means the library's defaults.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Lz4Preferences
{
    public int BlockSizeId;
    public int BlockMode;
    public int ContentChecksumFlag;
    public int FrameType;
    public ulong ContentSize;
    public uint DictionaryId;
    public int BlockChecksumFlag;
    public int CompressionLevel;
    public uint AutoFlush;
    public uint FavorDecompressionSpeed;
    public uint Reserved0;
    public uint Reserved1;
    public uint Reserved2;
}
