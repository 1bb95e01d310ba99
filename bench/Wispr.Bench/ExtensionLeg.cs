using System.Diagnostics;
using System.Text.Json;

namespace Wispr.Bench;

/// <summary>
/// Runs bench/extension-leg.mjs: the same dictation driven from Node through the extension's SidecarConnection
/// (vscode-jsonrpc), so the extension's share of stop-to-text can be set beside the C# client's. Optional: needs node and
/// the built extension (out/), which bench/run.sh builds when npm is there.
/// </summary>
public static class ExtensionLeg
{
    public sealed record Result(double ColdStartMs, Stats StopToText, Stats Asr, Stats Overhead);

    public static string? Unavailable(string root) =>
        !File.Exists(Path.Combine(root, "out/extension/src/sidecar/sidecarConnection.js")) ? "the extension is not built (npm run build)"
        : FindOnPath("node") is null ? "node is not on PATH"
        : null;

    public static async Task<Result> RunAsync(string root, string sidecarDll, string model, string wav, int? maxTokens, int reps, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(FindOnPath("node")!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(root, "bench/extension-leg.mjs"), "--sidecar", sidecarDll, "--model", model, "--wav", wav, "--reps", reps.ToString() })
            psi.ArgumentList.Add(a);
        if (maxTokens is { } n)
        {
            psi.ArgumentList.Add("--maxTokens");
            psi.ArgumentList.Add(n.ToString());
        }

        using var node = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        try
        {
            var stderr = node.StandardError.ReadToEndAsync(ct);
            var stdout = await node.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false);
            await node.WaitForExitAsync(ct).ConfigureAwait(false);
            if (node.ExitCode != 0)
                throw new InvalidOperationException($"extension-leg.mjs failed ({node.ExitCode}): {await stderr.ConfigureAwait(false)}");
            using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            double[] Values(string name) => json.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var stop = Values("stopToTextMs");
            var asr = Values("asrMs");
            return new Result(json.RootElement.GetProperty("coldStartMs").GetDouble(), Stats.Of(stop), Stats.Of(asr),
                Stats.Of(stop.Zip(asr, (total, a) => total - a).ToArray()));
        }
        finally
        {
            // node's own finally stops the sidecar; if node itself is stuck or cancelled, take its children with it.
            if (!node.HasExited)
                node.Kill(entireProcessTree: true);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
