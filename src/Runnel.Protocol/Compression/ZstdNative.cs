using System.Runtime.InteropServices;

namespace Runnel.Protocol.Compression;

/// <summary>The parts of the system's libzstd (zstd.h, stable API since 1.4) the zstd codec uses.</summary>
internal static unsafe partial class ZstdNative
{
    private const string LibraryName = "libzstd.so.1";

    /// <summary>ZSTD_reset_session_only: drop the frame in progress, keep parameters and buffers.</summary>
    public const int ResetSessionOnly = 1;

    public static readonly NativeCodecLibrary Library = new(
        LibraryName,
        "libzstd1",
        "ZSTD_createDStream",
        "ZSTD_freeDStream",
        "ZSTD_DCtx_reset",
        "ZSTD_decompressStream",
        "ZSTD_createCCtx",
        "ZSTD_freeCCtx",
        "ZSTD_compressCCtx",
        "ZSTD_compressBound",
        "ZSTD_isError",
        "ZSTD_getErrorName");

    [LibraryImport(LibraryName)]
    private static partial nint ZSTD_createDStream();

    [LibraryImport(LibraryName)]
    private static partial nuint ZSTD_freeDStream(nint stream);

    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_DCtx_reset(NativeContext context, int reset);

    /// <summary>Returns 0 when a frame is complete and flushed, else a hint of the input wanted next, or an error code.</summary>
    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_decompressStream(NativeContext context, ZstdBuffer* output, ZstdBuffer* input);

    [LibraryImport(LibraryName)]
    private static partial nint ZSTD_createCCtx();

    [LibraryImport(LibraryName)]
    private static partial nuint ZSTD_freeCCtx(nint context);

    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_compressCCtx(
        NativeContext context, byte* destination, nuint capacity, byte* source, nuint sourceSize, int level);

    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_compressBound(nuint sourceSize);

    [LibraryImport(LibraryName)]
    private static partial uint ZSTD_isError(nuint code);

    [LibraryImport(LibraryName)]
    private static partial nint ZSTD_getErrorName(nuint code);

    public static NativeContext CreateDecompressionContext() =>
        new(ZSTD_createDStream(), c => ZSTD_freeDStream(c), "ZSTD_createDStream");

    public static NativeContext CreateCompressionContext() =>
        new(ZSTD_createCCtx(), c => ZSTD_freeCCtx(c), "ZSTD_createCCtx");

    public static bool IsError(nuint code) => ZSTD_isError(code) != 0;

    public static string ErrorName(nuint code) => Marshal.PtrToStringUTF8(ZSTD_getErrorName(code)) ?? "unknown error";
}

/// <summary>ZSTD_inBuffer and ZSTD_outBuffer, which share a layout: data pointer, size, position.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZstdBuffer
{
    public byte* Data;
    public nuint Size;
    public nuint Position;
}
