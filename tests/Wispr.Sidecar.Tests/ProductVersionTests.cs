using System.Text.Json;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;

namespace Wispr.Sidecar.Tests;

/// <summary>The product has one version number: the extension's package.json; the sidecar reports the same.</summary>
public sealed class ProductVersionTests
{
    [Fact]
    public void The_sidecar_reports_the_version_of_package_json()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "package.json")));
        var version = manifest.RootElement.GetProperty("version").GetString();
        Assert.False(string.IsNullOrEmpty(version));
        Assert.Equal(version, SidecarRpcTarget.SidecarVersion);
    }
}
