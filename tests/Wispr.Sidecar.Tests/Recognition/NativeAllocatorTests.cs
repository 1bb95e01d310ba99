using System.Runtime.InteropServices;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Tests.Models;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>
/// glibc's mmap threshold, fixed by <see cref="NativeAllocator.Configure"/>: a large block freed must not pull later large
/// blocks into the malloc arenas, where their memory stays after they are freed. It reads the block's own chunk header, so allocations elsewhere in the process do not disturb it.
/// </summary>
[Collection(EnvironmentCollection.Name)] // runs alone: no other test allocates meanwhile
public sealed class NativeAllocatorTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void After_a_large_block_is_freed_the_next_ones_still_get_their_own_mapping_and_go_back_on_free()
    {
        if (!OperatingSystem.IsLinux() || NativeAllocator.Stats() is null)
            return; // glibc only: elsewhere Configure and Stats are no-ops, which the sidecar relies on
        Assert.True(NativeAllocator.Configure());

        // With glibc's dynamic threshold, freeing this mmapped 30 MiB block would raise the threshold to 30 MiB
        // (it moves only for blocks up to its 32 MiB maximum).
        Marshal.FreeHGlobal(Marshal.AllocHGlobal((nint)(30 * MiB)));
        // malloc serves a request from any free chunk big enough (the threshold matters only when none is): ask for more than
        // all free bytes in every arena together, which other tests' earlier frees leave behind in this shared process.
        var free = NativeAllocator.Stats()!.FreeBytes;
        var size = Math.Max(4 * MiB, free + MiB);
        if (size >= 29 * MiB)
            return; // the arenas hold over 28 MiB free: no request below the raised threshold would tell the two apart
        var block = Marshal.AllocHGlobal((nint)size);
        try
        {
            // glibc marks a chunk that has its own mapping (and is unmapped on free) with IS_MMAPPED (0x2) in its size field.
            var sizeField = Marshal.ReadInt64(block - sizeof(long));
            Assert.True((sizeField & 0x2) != 0, $"a {size / MiB} MiB block came from the arenas (chunk size field 0x{sizeField:x}, {free} bytes free in them)");
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }
}
