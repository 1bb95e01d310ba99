using System.Runtime.InteropServices;

namespace Wispr.Sidecar.Recognition;

/// <summary>
/// Makes whisper.cpp's OpenMP workers sleep at barriers instead of spinning (see <see cref="RecognitionTuning"/> for why).
/// </summary>
/// <remarks>
/// The Whisper.net 1.9.1 CPU runtime is built with OpenMP (libggml-cpu-whisper.so needs libgomp.so.1 and calls GOMP_barrier).
/// libgomp reads OMP_WAIT_POLICY once, when it is loaded, and with it unset spins ~300,000 times at each barrier before it
/// sleeps: on a busy machine a worker burns its time slice waiting for a preempted partner. It has to be in the C environment
/// before whisper.cpp's libraries load, and on Unix .NET's Environment.SetEnvironmentVariable changes only the runtime's own
/// copy, never libc's, so this calls libc setenv. Call it at process start, before any model loads. A value the user set
/// (OMP_WAIT_POLICY or GOMP_SPINCOUNT, e.g. to benchmark the old behaviour) is left alone.
/// </remarks>
public static class NativeThreading
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    public const string SpinCountVariable = "GOMP_SPINCOUNT";
    public const string WaitPolicy = "PASSIVE";

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set; returns whether it set it.</summary>
    public static bool Configure()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(WaitPolicyVariable))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(SpinCountVariable)))
            return false;
        // The runtime's copy too: child processes (the dictate verb's sidecar) inherit it, and on Windows this is the one the C runtime reads.
        Environment.SetEnvironmentVariable(WaitPolicyVariable, WaitPolicy);
        if (OperatingSystem.IsWindows())
            return true;
        try { return SetEnv(WaitPolicyVariable, WaitPolicy, 0) == 0; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    /// <summary>What libc's environment says (getenv), for tests and logs: .NET's own copy may differ.</summary>
    public static string? NativeValue(string name)
    {
        if (OperatingSystem.IsWindows())
            return Environment.GetEnvironmentVariable(name);
        try { return Marshal.PtrToStringUTF8(GetEnv(name)); }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr GetEnv(string name);
}
