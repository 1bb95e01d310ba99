using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using StreamJsonRpc;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Cli;

/// <summary>
/// `dictate FILE.wav`: starts a child sidecar and drives one dictation over JSON-RPC exactly as the extension does
/// (initialize, prepare, start, wait for the audio, stop), then prints the text and the time from stop to text.
/// </summary>
public static class DictateCommand
{
    public static async Task<int> RunAsync(string wavPath, SidecarOptions options, bool realtime, Stream output)
    {
        await using var stdout = new StreamWriter(output, leaveOpen: true) { AutoFlush = true };
        var coldClock = Stopwatch.StartNew();
        var callbacks = new Callbacks();
        using var sidecar = ChildSidecar.Start(options, options.LogLevel.ToString(), callbacks);
        var rpc = sidecar.Rpc;
        try
        {
            var init = await sidecar.InitializeAsync().ConfigureAwait(false);
            var coldStartMs = coldClock.ElapsedMilliseconds;
            Console.Error.WriteLine($"Sidecar {init.SidecarVersion} ready in {coldStartMs} ms (pid {init.Pid}); preparing the {init.Status.Backend} model…");
            var prepared = await sidecar.PrepareAsync().ConfigureAwait(false);

            var start = await rpc.InvokeWithParameterObjectAsync<StartResult>(M.DictationStart,
                new StartDictationRequest(new AudioSourceSpec("wavFile", Path.GetFullPath(wavPath), realtime))).ConfigureAwait(false);
            Console.Error.WriteLine($"Dictating {Path.GetFileName(wavPath)}{(realtime ? " in real time" : "")}…");
            var ended = await callbacks.WaitForSourceEndAsync(start.DictationId).ConfigureAwait(false);
            if (ended.Error is not null)
                Console.Error.WriteLine($"The audio source failed: {ended.Error}; transcribing what was captured.");

            var stopClock = Stopwatch.StartNew();
            var result = await rpc.InvokeWithParameterObjectAsync<TranscriptResult>(M.DictationStop, new DictationRef(start.DictationId)).ConfigureAwait(false);
            var stopToTextMs = stopClock.ElapsedMilliseconds;
            var status = await rpc.InvokeWithParameterObjectAsync<StatusResult>(M.Status, new EmptyParams()).ConfigureAwait(false);

            await stdout.WriteLineAsync(result.Text).ConfigureAwait(false);
            await stdout.WriteLineAsync(
                $"stop-to-text: {stopToTextMs} ms (recognition {result.Timings.AsrMs} ms) for {result.AudioDurationMs / 1000.0:0.0} s of audio; " +
                $"sidecar cold start to ready {coldStartMs} ms, model load {prepared.LoadMs} ms, " +
                $"peak memory {status.PeakWorkingSetBytes / (1024.0 * 1024):0} MiB; {result.Backend} {Path.GetFileName(result.ModelPath)}").ConfigureAwait(false);

            await sidecar.ShutdownAsync().ConfigureAwait(false);
            return ServerExitCodes.Ok;
        }
        catch (RemoteInvocationException ex)
        {
            Console.Error.WriteLine($"error {ex.ErrorCode}: {ex.Message}");
            return ServerExitCodes.Failed;
        }
    }

    private sealed class Callbacks
    {
        private readonly TaskCompletionSource<SourceEndedNotification> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [JsonRpcMethod(M.DictationSourceEnded)]
        public void OnSourceEnded(SourceEndedNotification n) => _ended.TrySetResult(n);

        [JsonRpcMethod(M.DictationStateChanged)]
        [SuppressMessage("Performance", "CA1822", Justification = "JSON-RPC target methods are instance methods of the target object")]
        public void OnStateChanged(StateChangedNotification n) { }

        [JsonRpcMethod(M.ModelProgress)]
        [SuppressMessage("Performance", "CA1822", Justification = "JSON-RPC target methods are instance methods of the target object")]
        public void OnModelProgress(ModelProgressNotification n)
        {
            if (n.Stage == "download" && n.TotalBytes is > 0)
                Console.Error.Write($"\rDownloading {n.File}: {100.0 * n.ReceivedBytes / n.TotalBytes:0}%   ");
        }

        public Task<SourceEndedNotification> WaitForSourceEndAsync(string id) => _ended.Task;
    }
}
