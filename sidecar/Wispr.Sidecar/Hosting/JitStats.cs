using System.Runtime;

namespace Wispr.Sidecar.Hosting;

/// <summary>
/// What the JIT has compiled in this process so far, for the Debug log: a time-free measure of start-up and first-use cost
/// (methods and IL bytes do not depend on how busy the machine is), used to weigh the sidecar's runtime settings (bench/README.md).
/// </summary>
public static class JitStats
{
    public static string Describe() =>
        $"JIT compiled {JitInfo.GetCompiledMethodCount()} methods ({JitInfo.GetCompiledILBytes() / 1024} KiB of IL) in {JitInfo.GetCompilationTime().TotalMilliseconds:0} ms";
}
