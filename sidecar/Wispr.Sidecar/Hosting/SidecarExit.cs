namespace Wispr.Sidecar.Hosting;

/// <summary>
/// The exit code the serving host ends with (<see cref="ServerExitCodes"/>), set by whoever decides the sidecar must stop. Kept
/// here rather than in <see cref="Environment.ExitCode"/> so an in-process host (the tests) cannot change its process's exit code.
/// </summary>
public sealed class SidecarExit
{
    private int _code = ServerExitCodes.Ok;

    public int Code => Volatile.Read(ref _code);

    /// <summary>The first non-zero code wins: the cause, not a consequence of it.</summary>
    public void Fail(int code) => Interlocked.CompareExchange(ref _code, code, ServerExitCodes.Ok);
}
