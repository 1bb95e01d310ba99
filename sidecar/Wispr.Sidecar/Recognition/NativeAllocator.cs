using System.Runtime.InteropServices;

namespace Wispr.Sidecar.Recognition;

/// <summary>
/// glibc's allocator, tuned for a process that loads and unloads large native models (Linux only; elsewhere a no-op).
/// </summary>
/// <remarks>
/// Measured with bench/memory-cycle.sh (20 Whisper ⇄ Parakeet cycles): with glibc's default of up to 8 arenas per core, every
/// thread that whisper.cpp or ONNX Runtime starts allocates from its own arena, freed model memory stays scattered over them,
/// and the resident memory after an unload climbed from about 100 MiB to over 300 MiB. The cap has to be in the environment when
/// the process starts (mallopt from Main is too late: the runtime's threads have fixed the arena limit by then), so whoever starts
/// the sidecar sets MALLOC_ARENA_MAX=2: the extension, the dictate verb and the benchmark. The sidecar trims after every unload.
/// <para>
/// The mmap threshold is fixed at startup (<see cref="Configure"/>). glibc otherwise raises it to the size of every large
/// block freed (up to 32 MiB) and its trim threshold to twice that: after the first model unload, model tensors and
/// whisper.cpp's per-transcription buffers came from the arenas instead of their own mappings, and a non-main arena keeps
/// its free top (up to 64 MiB) resident, which malloc_trim does not release. Measured: after-unload RSS jumped by 35–50 MiB
/// at random cycles and the arenas held 218 MiB free; with the threshold fixed they hold ~20 MiB and the creep is gone.
/// </para>
/// </remarks>
public static class NativeAllocator
{
    /// <summary>glibc's own default; blocks this size and up get their own mapping, returned to the system on free.</summary>
    public const int MmapThresholdBytes = 128 * 1024;

    private const int MMmapThreshold = -3;

    /// <summary>
    /// Fixes glibc's mmap threshold (which also turns off its dynamic trim threshold). Call once at process start, before any
    /// model loads; left alone when MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES set it already. Returns whether it was set.
    /// </summary>
    public static bool Configure()
    {
        if (!OperatingSystem.IsLinux()
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_"))
            || Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("mmap_threshold", StringComparison.Ordinal) == true)
            return false;
        try { return MallOpt(MMmapThreshold, MmapThresholdBytes) == 1; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return false; } // not glibc (musl)
    }

    /// <summary>Returns freed native pages to the system (after an unload).</summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
            return;
        try { _ = MallocTrim(0); } // 1 when memory was released, 0 when there was none to release: neither is an error
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { }
    }

    /// <summary>glibc's malloc totals over all arenas (mallinfo2), or null where there is no glibc.</summary>
    public static NativeHeapStats? Stats()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            var info = MallInfo2();
            return new NativeHeapStats((long)info.Arena, (long)info.Hblkhd, (long)info.Uordblks, (long)info.Fordblks);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int param, int value);

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2Struct MallInfo2();

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2Struct
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }
}

/// <param name="ArenaBytes">Bytes the arenas hold from the system (sbrk and arena heaps), in use or free.</param>
/// <param name="MmappedBytes">Bytes in chunks malloc mmapped on their own (large allocations; unmapped when freed).</param>
/// <param name="InUseBytes">Bytes handed out and not yet freed.</param>
/// <param name="FreeBytes">Bytes free inside the arenas (fragmentation or kept for reuse).</param>
public sealed record NativeHeapStats(long ArenaBytes, long MmappedBytes, long InUseBytes, long FreeBytes);
