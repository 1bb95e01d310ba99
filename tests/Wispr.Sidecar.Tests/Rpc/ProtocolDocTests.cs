using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;

namespace Wispr.Sidecar.Tests.Rpc;

/// <summary>The C# side of the protocol agrees with docs/protocol.md (the extension's unit test checks protocol.ts the same way).</summary>
public sealed class ProtocolDocTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "protocol.md"));

    [Fact]
    public void Every_method_const_is_documented_and_every_documented_method_has_a_const()
    {
        var documented = Regex.Matches(Doc, @"^### `([^`]+)`", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order().ToList();
        var code = typeof(SidecarRpcTarget.Methods).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order().ToList();
        Assert.Equal(documented, code);
    }

    [Fact]
    public void Every_error_code_is_in_the_table()
    {
        var rows = Regex.Matches(Doc, @"^\|\s*(-?\d+)\s*\|\s*(\w+)\s*\|", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[2].Value, m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        foreach (var field in typeof(WisprErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
            Assert.Equal((int)field.GetRawConstantValue()!, rows.GetValueOrDefault(field.Name));
    }
}
