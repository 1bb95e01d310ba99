using System.Text;

namespace Wispr.Bench;

/// <summary>Median and p95 (nearest rank: with 5 runs, p95 is the slowest run).</summary>
public sealed record Stats(double Median, double P95, int Count)
{
    public static Stats Of(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        var p95 = sorted[Math.Clamp((int)Math.Ceiling(0.95 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Stats(median, p95, sorted.Length);
    }
}

public sealed record Row(string Model, Utterance Utterance, int? Cap, int TokensDecoded, Stats Sidecar, Stats ServerAsr, Stats Overhead, Stats Direct,
    double ColdStartMs, long LoadMs, long PeakBytes);

public static class Report
{
    public static string Markdown(IReadOnlyList<Row> rows, IReadOnlyList<string> verification, int reps, TimeSpan elapsed, bool quick,
        IReadOnlyList<(Row Row, ExtensionLeg.Result Node)> extension, string? extensionNote)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Whisper stop-to-text benchmark");
        sb.AppendLine();
        sb.AppendLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · {Environment.ProcessorCount} cores · {System.Runtime.InteropServices.RuntimeInformation.OSDescription} · " +
            $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} · Whisper.net 1.9.1 (CPU) · {reps} timed runs per row after 1 untimed{(quick ? " · --quick" : "")} · whole run {elapsed.TotalMinutes:F1} min");
        sb.AppendLine();
        sb.AppendLine("| model | utterance s | tokens ref → decoded | sidecar stop-to-text median / p95 ms | RTF | sidecar asr median ms | outside asr median ms | direct median / p95 ms | sidecar ÷ direct | cold start ms | model load ms | peak MiB |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            sb.AppendLine($"| {r.Model} | {r.Utterance.Seconds} | {r.Utterance.TokenCount} → {r.TokensDecoded} | {r.Sidecar.Median:F0} / {r.Sidecar.P95:F0} | " +
                $"{r.Sidecar.Median / 1000 / r.Utterance.DurationSeconds:F3} | {r.ServerAsr.Median:F0} | {r.Overhead.Median:F1} | {r.Direct.Median:F0} / {r.Direct.P95:F0} | " +
                $"{r.Sidecar.Median / r.Direct.Median:F2} | {r.ColdStartMs:F0} | {r.LoadMs} | {r.PeakBytes / (1024.0 * 1024):F0} |");
        }

        sb.AppendLine();
        sb.AppendLine("- **stop-to-text**: client clock from sending `dictation/stop` to its reply, after `dictation/sourceEnded` (WAV source, `realtime: false`). " +
            "**sidecar asr**: the sidecar's own `timings.asrMs`; **outside asr**: stop-to-text − asr per run (JSON-RPC both ways, stopping capture, the buffer copy, the dictation service). **direct**: Whisper.net in the bench process, same model, samples and decoding settings. " +
            "**RTF** = stop-to-text median ÷ audio length. **cold start**: spawn (`dotnet Wispr.Sidecar.dll serve`) to the `initialize` reply, one sidecar per row. " +
            "**peak MiB**: the sidecar's peak working set (`status.peakWorkingSetBytes`, VmHWM) after all its runs; it grows with the number of dictations, so compare it at equal runs per row (bench/README.md).");
        sb.AppendLine("- Random-weight rows: models from `tools/Wispr.ModelGen --never-end-text` with the real tiny.en / base.en shapes; decoding capped by the " +
            "sidecar's hidden `--maxTokens` at the reference's token count + 3 (two timestamps and end-of-text), no temperature fallback, so the decoder does a real " +
            "transcript's number of steps. The text is nonsense. Reference transcripts and token counts are approximate (see bench/README.md).");
        sb.AppendLine("- Shared 2-core machine: other work runs beside the bench, so single numbers are noisy; compare medians, and read p95 (here the slowest of few runs) with care.");
        sb.AppendLine();
        sb.AppendLine("Extension leg (bench/extension-leg.mjs: Node + vscode-jsonrpc through the extension's `SidecarConnection`, a fresh sidecar, same audio and cap):");
        sb.AppendLine();
        if (extensionNote is not null)
            sb.AppendLine($"- not run: {extensionNote}.");
        else
        {
            sb.AppendLine("| model | utterance s | node stop-to-text median / p95 ms | node's sidecar asr median ms | node outside asr median ms | C# client outside asr median ms | C# client stop-to-text median ms | node ÷ C# client | node cold start ms |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (r, n) in extension)
                sb.AppendLine($"| {r.Model} | {r.Utterance.Seconds} | {n.StopToText.Median:F0} / {n.StopToText.P95:F0} | {n.Asr.Median:F0} | {n.Overhead.Median:F1} | {r.Overhead.Median:F1} | {r.Sidecar.Median:F0} | " +
                    $"{n.StopToText.Median / r.Sidecar.Median:F2} | {n.ColdStartMs:F0} |");
            sb.AppendLine();
            sb.AppendLine("- Compare the outside-asr columns (stop-to-text − the sidecar's asr, per run): they isolate the client and protocol from Whisper's noisy compute. The stop-to-text ratio compares separate runs and carries the machine's noise.");
        }

        sb.AppendLine();
        sb.AppendLine("Token-count verification:");
        foreach (var v in verification)
            sb.AppendLine($"- {v}");
        return sb.ToString();
    }
}
