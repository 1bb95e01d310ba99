using System.Diagnostics;
using StreamJsonRpc;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Cli;

/// <summary>
/// `dictate-mic FILE.wav [--repeat N] [--device ID]`: the microphone path end to end, for measurements. Starts a child sidecar
/// like the extension does, and per take: dictation/start from the microphone, "speaks" FILE by playing it with paplay into the
/// default output (with scripts/pulse-test-server.sh that output's monitor is the default microphone), and when playing ends —
/// the moment a user would release the key — sends dictation/stop. Prints each take's release-to-text time and the sidecar's
/// resident memory after the first and the last take.
/// </summary>
public static class MicDictateCommand
{
    public static async Task<int> RunAsync(string wavPath, SidecarOptions options, int repeat, string? device, Stream output)
    {
        await using var stdout = new StreamWriter(output, leaveOpen: true) { AutoFlush = true };
        using var sidecar = ChildSidecar.Start(options, "Warning");
        var rpc = sidecar.Rpc;
        try
        {
            await sidecar.InitializeAsync().ConfigureAwait(false);
            await sidecar.PrepareAsync().ConfigureAwait(false);
            var times = new List<long>();
            long rssAfterFirst = 0, rssAfterLast = 0, heapAfterFirst = 0, heapAfterLast = 0;
            for (int take = 1; take <= repeat; take++)
            {
                var start = await rpc.InvokeWithParameterObjectAsync<StartResult>(M.DictationStart,
                    new StartDictationRequest(new AudioSourceSpec(AudioSourceSpec.Microphone, Device: device))).ConfigureAwait(false);
                await PlayAsync(wavPath).ConfigureAwait(false);
                var release = Stopwatch.StartNew(); // the last sample has been played: the user lets go of the key
                var result = await rpc.InvokeWithParameterObjectAsync<TranscriptResult>(M.DictationStop, new DictationRef(start.DictationId)).ConfigureAwait(false);
                var ms = release.ElapsedMilliseconds;
                times.Add(ms);
                var status = await rpc.InvokeWithParameterObjectAsync<StatusResult>(M.Status, new EmptyParams()).ConfigureAwait(false);
                if (take == 1)
                    (rssAfterFirst, heapAfterFirst) = (status.WorkingSetBytes, status.ManagedHeapBytes);
                (rssAfterLast, heapAfterLast) = (status.WorkingSetBytes, status.ManagedHeapBytes);
                await stdout.WriteLineAsync(
                    $"take {take}: release-to-text {ms} ms (recognition {result.Timings.AsrMs} ms, inside the sidecar {result.Timings.StopToTextMs} ms) " +
                    $"for {result.AudioDurationMs / 1000.0:0.00} s captured; RSS {status.WorkingSetBytes / (1024.0 * 1024):0.0} MiB; text: {result.Text}").ConfigureAwait(false);
            }
            times.Sort();
            await stdout.WriteLineAsync(
                $"release-to-text median {times[times.Count / 2]} ms (min {times[0]}, max {times[^1]}) over {repeat} takes; " +
                $"sidecar RSS after take 1: {rssAfterFirst / (1024.0 * 1024):0.0} MiB, after take {repeat}: {rssAfterLast / (1024.0 * 1024):0.0} MiB " +
                $"(managed heap {heapAfterFirst / (1024.0 * 1024):0.0} → {heapAfterLast / (1024.0 * 1024):0.0} MiB)").ConfigureAwait(false);
            await sidecar.ShutdownAsync().ConfigureAwait(false);
            return ServerExitCodes.Ok;
        }
        catch (RemoteInvocationException ex)
        {
            Console.Error.WriteLine($"error {ex.ErrorCode}: {ex.Message}");
            return ServerExitCodes.Failed;
        }
    }

    private static async Task PlayAsync(string wav)
    {
        using var paplay = Process.Start(new ProcessStartInfo("paplay", [wav]) { UseShellExecute = false, RedirectStandardInput = true })
            ?? throw new InvalidOperationException("Could not start paplay.");
        await paplay.WaitForExitAsync().ConfigureAwait(false);
        if (paplay.ExitCode != 0)
            throw new InvalidOperationException($"paplay {wav} failed with exit code {paplay.ExitCode}.");
    }
}
