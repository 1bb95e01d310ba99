using System.Text.Json;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>
/// The sidecar's runtime settings that keep its memory flat across backend switches (bench/memory-cycle.sh measures them):
/// they live in its runtimeconfig.json, where a project-file edit could drop them without any other test noticing.
/// </summary>
public sealed class MemoryRuntimeSettingsTests
{
    [Fact]
    public void The_sidecar_runs_without_tiered_compilation_and_with_the_workstation_gc()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Wispr.Sidecar.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        // Tiered compilation re-compiled methods over the first cycles: the JIT code grew by ~1.7 MiB at real sizes.
        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation", out var tiered), $"{path} does not set System.Runtime.TieredCompilation");
        Assert.False(tiered.GetBoolean());
        // One small heap, collected in place: the server GC would reserve a heap per core.
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
    }
}
