using System.Runtime.InteropServices;

namespace Runnel.Protocol.Compression;

/// <summary>
/// A native codec context (an LZ4F or zstd context), freed by its library's own function when released. The codecs
/// keep one per thread in a thread-static, so the finalizer frees it when the thread ends.
/// </summary>
internal sealed class NativeContext : SafeHandle
{
    private readonly Action<nint> _free;

    public NativeContext(nint context, Action<nint> free, string creator)
        : base(0, ownsHandle: true)
    {
        if (context == 0)
            throw new InsufficientMemoryException($"{creator} failed.");
        SetHandle(context);
        _free = free;
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        _free(handle);
        return true;
    }
}
