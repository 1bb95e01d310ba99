using System.Runtime.InteropServices;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Tests.Models;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>
/// glibc's mmap threshold, fixed by <see cref="NativeAllocator.Configure"/>: a large block freed must not pull later large
/// blocks into the malloc arenas, where their memory stays after they are freed. It reads the block's own chunk header, so allocations elsewhere in the process do not disturb it.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class NativeAllocatorTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void After_a_large_block_is_freed_the_next_ones_still_get_their_own_mapping_and_go_back_on_free()
    {
        if (!OperatingSystem.IsLinux() || NativeAllocator.Stats() is null)
            return; // glibc only: elsewhere Configure and Stats are no-ops, which the sidecar relies on
        Assert.True(NativeAllocator.Configure());

        // With glibc's dynamic threshold, freeing this mmapped 24 MiB block would raise the threshold to 24 MiB.
        Marshal.FreeHGlobal(Marshal.AllocHGlobal((nint)(24 * MiB)));
        var block = Marshal.AllocHGlobal((nint)(4 * MiB));
        try
        {
            // Read the chunk's own header rather than process-wide totals, which other tests running in parallel move:
            // glibc marks a chunk that has its own mapping (and is unmapped on free) with IS_MMAPPED (0x2) in its size field.
            var sizeField = Marshal.ReadInt64(block - sizeof(long));
            Assert.True((sizeField & 0x2) != 0, $"a 4 MiB block came from the arenas (chunk size field 0x{sizeField:x})");
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }
}
