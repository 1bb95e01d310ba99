using System.Diagnostics;
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
        var psi = SidecarProgram.SelfStartInfo();
        psi.ArgumentList.Add("serve");
        if (options.ModelPath is not null)
        {
            psi.ArgumentList.Add("--model");
            psi.ArgumentList.Add(options.ModelPath);
        }
        psi.ArgumentList.Add("--backend");
        psi.ArgumentList.Add(options.Backend);
        if (options.ParakeetModelPath is not null)
        {
            psi.ArgumentList.Add("--parakeetModel");
            psi.ArgumentList.Add(options.ParakeetModelPath);
        }
        psi.ArgumentList.Add("--logLevel");
        psi.ArgumentList.Add(options.LogLevel.ToString());
        psi.ArgumentList.Add("--clientProcessId");
        psi.ArgumentList.Add(Environment.ProcessId.ToString());
        psi.RedirectStandardInput = psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        if (OperatingSystem.IsLinux() && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX")))
            psi.Environment["MALLOC_ARENA_MAX"] = "2"; // as the extension does: see NativeAllocator
        psi.UseShellExecute = false;

        await using var stdout = new StreamWriter(output, leaveOpen: true) { AutoFlush = true };
        var coldClock = Stopwatch.StartNew();
        using var child = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the sidecar.");
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[sidecar] {e.Data}"); };
        child.BeginErrorReadLine();
        var callbacks = new Callbacks();
        using var rpc = RpcConnection.Create(child.StandardInput.BaseStream, child.StandardOutput.BaseStream);
        rpc.AddLocalRpcTarget(callbacks, RpcConnection.TargetOptions);
        rpc.StartListening();
        try
        {
            var init = await rpc.InvokeWithParameterObjectAsync<InitializeResult>(M.Initialize, new InitializeParams("wispr-cli", SidecarRpcTarget.SidecarVersion)).ConfigureAwait(false);
            var coldStartMs = coldClock.ElapsedMilliseconds;
            Console.Error.WriteLine($"Sidecar {init.SidecarVersion} ready in {coldStartMs} ms (pid {init.Pid}); preparing the {init.Status.Backend} model…");
            var prepared = await rpc.InvokeWithParameterObjectAsync<PrepareResult>(M.ModelPrepare, new EmptyParams()).ConfigureAwait(false);
            Console.Error.WriteLine($"Model {prepared.ModelPath} loaded in {prepared.LoadMs} ms{(prepared.Downloaded ? " (downloaded)" : "")}.");

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

            await rpc.InvokeWithParameterObjectAsync<EmptyResult>(M.Shutdown, new EmptyParams()).ConfigureAwait(false);
            await child.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token).ConfigureAwait(false);
            return ServerExitCodes.Ok;
        }
        catch (RemoteInvocationException ex)
        {
            Console.Error.WriteLine($"error {ex.ErrorCode}: {ex.Message}");
            return ServerExitCodes.Failed;
        }
        finally
        {
            if (!child.HasExited)
                child.Kill(entireProcessTree: true);
        }
    }

    private sealed class Callbacks
    {
        private readonly TaskCompletionSource<SourceEndedNotification> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [JsonRpcMethod(M.DictationSourceEnded)]
        public void OnSourceEnded(SourceEndedNotification n) => _ended.TrySetResult(n);

        [JsonRpcMethod(M.DictationStateChanged)]
        public void OnStateChanged(StateChangedNotification n) { }

        [JsonRpcMethod(M.ModelProgress)]
        public void OnModelProgress(ModelProgressNotification n)
        {
            if (n.Stage == "download" && n.TotalBytes is > 0)
                Console.Error.Write($"\rDownloading {n.File}: {100.0 * n.ReceivedBytes / n.TotalBytes:0}%   ");
        }

        public Task<SourceEndedNotification> WaitForSourceEndAsync(string id) => _ended.Task;
    }
}
