using System.Globalization;
using System.Runtime.InteropServices;

namespace Wispr.Sidecar.Recognition;

/// <summary>How much of the 30 s window whisper.cpp's encoder runs (setting <c>wispr.recognition.audioContext</c>, <c>--audioContext</c>).</summary>
public enum AudioContextMode
{
    /// <summary>The clip's own length plus a margin (<see cref="RecognitionTuning.AudioContextFor"/>): short clips encode far less.</summary>
    Fit,

    /// <summary>Always the model's full 30 s window (1500 encoder positions), as whisper.cpp does by default.</summary>
    Full,
}

/// <summary>
/// The thread count and encoder context of a recognition: pure functions of the machine and the clip, so they can be tested, and
/// the environment they read (cores, load average) in one place.
/// </summary>
/// <remarks>
/// Why fewer threads than cores, and never spinning: whisper.cpp (the Whisper.net 1.9.1 Linux runtime is built with OpenMP:
/// libggml-cpu links libgomp and its barriers are <c>#pragma omp barrier</c>) and ONNX Runtime synchronise their workers at
/// every graph node. A worker that spins at a barrier while its partner is preempted burns the CPU its partner needs; on a
/// busy 2-core machine that turned 8.6 s into 161 s (issue 13). So workers sleep at barriers (<see cref="NativeThreading"/>,
/// ONNX Runtime's allow_spinning=0), there are at most as many as physical cores (hyper-threads share the units the matrix
/// products use) and at most 4 (a dictation's clips gain little beyond), and one fewer when the machine is heavily
/// oversubscribed, where each barrier can wait a whole scheduling round for a preempted worker.
/// </remarks>
public static class RecognitionTuning
{
    /// <summary>Most threads "auto" picks.</summary>
    public const int MaxAutoThreads = 4;

    /// <summary>The encoder positions of the full 30 s window (every Whisper model: n_audio_ctx).</summary>
    public const int FullAudioContext = 1500;

    /// <summary>Positions added to the clip's own, as issue 13 measured (clip + 64): the clip's end never lands on the window's edge.</summary>
    public const int AudioContextMargin = 64;

    /// <summary>16 kHz samples per encoder position: 160-sample mel hop, then the encoder's stride-2 convolution.</summary>
    public const int SamplesPerAudioPosition = 320;

    /// <summary>
    /// Threads for one recognition. <paramref name="requested"/> &gt; 0 is the user's choice (capped at the logical cores);
    /// 0 is auto: min(physical cores, 4), less one when the 1-minute load average says every core is already taken twice over
    /// beyond what this recognition would add (<paramref name="loadAverage"/> ≥ logical cores + auto threads), never below 1.
    /// A null load average (not available on this system) counts as quiet.
    /// </summary>
    public static int ChooseThreads(int requested, int logicalCores, int physicalCores, double? loadAverage)
    {
        var logical = Math.Max(1, logicalCores);
        if (requested > 0)
            return Math.Min(requested, logical);
        var auto = Math.Clamp(Math.Min(physicalCores, logical), 1, MaxAutoThreads);
        if (loadAverage is { } load && load >= logical + auto)
            auto = Math.Max(1, auto - 1);
        return auto;
    }

    /// <summary>Threads for a backend whose thread pool is fixed when it loads (ONNX Runtime): the load average at load time says nothing about later dictations.</summary>
    public static int ChooseThreadsAtLoad(int requested, int logicalCores, int physicalCores) =>
        ChooseThreads(requested, logicalCores, physicalCores, loadAverage: null);

    /// <summary>
    /// whisper.cpp's <c>audio_ctx</c> for a clip of <paramref name="samples"/> 16 kHz samples, or null for the model's full window.
    /// Fit: one position per 320 samples, rounded up, plus <see cref="AudioContextMargin"/>; clips of 30 s and more (which
    /// whisper.cpp decodes in 30 s windows, all with the same context) and anything that would reach the full window get null.
    /// </summary>
    public static int? AudioContextFor(int samples, AudioContextMode mode)
    {
        if (mode == AudioContextMode.Full || samples <= 0)
            return null;
        var positions = (samples + SamplesPerAudioPosition - 1) / SamplesPerAudioPosition + AudioContextMargin;
        return positions >= FullAudioContext ? null : positions;
    }

    /// <summary>Parses the setting's value ("fit", "full"; case-insensitive).</summary>
    public static AudioContextMode ParseAudioContext(string value) =>
        value?.Trim().ToLowerInvariant() switch
        {
            "fit" => AudioContextMode.Fit,
            "full" => AudioContextMode.Full,
            _ => throw new ArgumentException($"--audioContext must be \"fit\" or \"full\", not '{value}'."),
        };

    /// <summary>Threads for the next recognition on this machine (see <see cref="ChooseThreads"/>).</summary>
    public static int ThreadsNow(int requested) =>
        ChooseThreads(requested, Environment.ProcessorCount, PhysicalCores.Value, LoadAverage());

    /// <summary>Physical cores this process may use: distinct (package, core) pairs in /proc/cpuinfo on Linux, capped at the logical count.</summary>
    public static readonly Lazy<int> PhysicalCores = new(() => CountPhysicalCores(
        OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo") ? SafeRead("/proc/cpuinfo") : null, Environment.ProcessorCount));

    /// <summary>Distinct (physical id, core id) pairs in a /proc/cpuinfo text, capped at <paramref name="logicalCores"/>; the logical count when it has none.</summary>
    public static int CountPhysicalCores(string? cpuinfo, int logicalCores)
    {
        var logical = Math.Max(1, logicalCores);
        if (string.IsNullOrEmpty(cpuinfo))
            return logical;
        var cores = new HashSet<(string, string)>();
        string package = "0";
        string? core = null;
        foreach (var raw in cpuinfo.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                if (core is not null)
                    cores.Add((package, core));
                package = "0";
                core = null;
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
                continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (key == "physical id")
                package = value;
            else if (key == "core id")
                core = value;
        }
        if (core is not null)
            cores.Add((package, core));
        // Containers and VMs often list no core ids, or the affinity mask allows fewer CPUs than the host has.
        return cores.Count == 0 ? logical : Math.Min(cores.Count, logical);
    }

    /// <summary>The 1-minute load average (libc getloadavg on Linux and macOS), or null where there is none.</summary>
    public static double? LoadAverage()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            return null;
        try
        {
            var loads = new double[1];
            return GetLoadAvg(loads, 1) == 1 ? loads[0] : null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>For logs: "2 threads (auto: 2 physical of 2 logical cores, load 0.42)".</summary>
    public static string Describe(int threads, int requested) =>
        requested > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{threads} threads (set)")
            : string.Create(CultureInfo.InvariantCulture,
                $"{threads} threads (auto: {PhysicalCores.Value} physical of {Environment.ProcessorCount} logical cores, load {LoadAverage()?.ToString("F2", CultureInfo.InvariantCulture) ?? "unknown"})");

    private static string? SafeRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    [DllImport("libc", EntryPoint = "getloadavg")]
    private static extern int GetLoadAvg([Out] double[] loadavg, int nelem);
}
