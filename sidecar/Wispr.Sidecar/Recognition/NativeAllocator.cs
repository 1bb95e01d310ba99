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
/// </remarks>
public static class NativeAllocator
{
    /// <summary>Returns freed native pages to the system (after an unload).</summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
            return;
        try { MallocTrim(0); }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
