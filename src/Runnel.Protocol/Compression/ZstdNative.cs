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
    public static partial nint ZSTD_createDStream();

    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_freeDStream(nint stream);

    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_DCtx_reset(ZstdDecompressionContext context, int reset);

    /// <summary>Returns 0 when a frame is complete and flushed, else a hint of the input wanted next, or an error code.</summary>
    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_decompressStream(ZstdDecompressionContext context, ZstdBuffer* output, ZstdBuffer* input);

    [LibraryImport(LibraryName)]
    public static partial nint ZSTD_createCCtx();

    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_freeCCtx(nint context);

    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_compressCCtx(
        ZstdCompressionContext context, byte* destination, nuint capacity, byte* source, nuint sourceSize, int level);

    [LibraryImport(LibraryName)]
    public static partial nuint ZSTD_compressBound(nuint sourceSize);

    [LibraryImport(LibraryName)]
    public static partial uint ZSTD_isError(nuint code);

    [LibraryImport(LibraryName)]
    public static partial nint ZSTD_getErrorName(nuint code);

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

/// <summary>A zstd decompression stream (a ZSTD_DCtx), freed when its owner (a thread's static) is collected.</summary>
internal sealed class ZstdDecompressionContext : SafeHandle
{
    public ZstdDecompressionContext()
        : base(0, ownsHandle: true)
    {
        SetHandle(ZstdNative.ZSTD_createDStream());
        if (IsInvalid)
            throw new InsufficientMemoryException("ZSTD_createDStream failed.");
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        ZstdNative.ZSTD_freeDStream(handle);
        return true;
    }
}

/// <summary>A zstd compression context, freed when its owner (a thread's static) is collected.</summary>
internal sealed class ZstdCompressionContext : SafeHandle
{
    public ZstdCompressionContext()
        : base(0, ownsHandle: true)
    {
        SetHandle(ZstdNative.ZSTD_createCCtx());
        if (IsInvalid)
            throw new InsufficientMemoryException("ZSTD_createCCtx failed.");
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        ZstdNative.ZSTD_freeCCtx(handle);
        return true;
    }
}
