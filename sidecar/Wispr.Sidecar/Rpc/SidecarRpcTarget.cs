using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Hosting;
using Wispr.Sidecar.IO;
using Wispr.Sidecar.Recognition;

namespace Wispr.Sidecar.Rpc;

/// <summary>
/// The JSON-RPC surface. It holds no state of its own: each method validates its params and hands the work to a service,
/// turning <see cref="WisprException"/> into a JSON-RPC error whose code the client branches on.
/// </summary>
public sealed class SidecarRpcTarget(
    DictationService dictation,
    BackendHost backends,
    IMicrophone microphone,
    CleanupPipeline cleanup,
    RecordingStore recordings,
    Models.ModelStore models,
    Recognition.Remote.RemoteSettingsStore remote,
    ILogger<SidecarRpcTarget> logger)
{
    public const int ProtocolVersion = 1;

    public static class Methods
    {
        public const string Initialize = "initialize";
        public const string Status = "status";
        public const string DictationStart = "dictation/start";
        public const string DictationStop = "dictation/stop";
        public const string DictationCancel = "dictation/cancel";
        public const string DictationDelivered = "dictation/delivered";
        public const string TranscribeFile = "transcribeFile";
        public const string BackendSelect = "backend/select";
        public const string ModelPrepare = "model/prepare";
        public const string ModelUnload = "model/unload";
        public const string Shutdown = "shutdown";
        public const string AudioListDevices = "audio/listDevices";
        public const string CleanupConfigure = "cleanup/configure";
        public const string CleanupApply = "cleanup/apply";
        public const string RemoteConfigure = "remote/configure";
        public const string AudioLevel = "audio/level";
        public const string DictationLimitApproaching = "dictation/limitApproaching";
        public const string DictationStateChanged = "dictation/stateChanged";
        public const string DictationSourceEnded = "dictation/sourceEnded";
        public const string DictationSegment = "dictation/segment";
        public const string ModelProgress = "model/progress";
        public const string RecordingsList = "recordings/list";
        public const string RecordingsDelete = "recordings/delete";
        public const string DictationRecordingUnsaved = "dictation/recordingUnsaved";
        public const string ModelsList = "models/list";
        public const string ModelsDownload = "models/download";
        public const string ModelsDelete = "models/delete";
        public const string ModelsUseFile = "models/useFile";
        public const string ModelsDownloadProgress = "models/downloadProgress";
    }

    [JsonRpcMethod(Methods.Initialize)]
    public Task<InitializeResult> InitializeAsync(InitializeParams? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        logger.LogInformation("Client {Client} {Version} connected", p?.ClientName ?? "(unnamed)", p?.ClientVersion ?? "");
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("At initialize: {Jit}", JitStats.Describe());
        await OffDispatcher(() => { RequireReadableModelPath("whisper", p?.ModelPath); RequireReadableModelPath("parakeet", p?.ParakeetModelPath); },
            cancellationToken).ConfigureAwait(false);
        // modelPath is the wispr.whisper.modelPath setting, parakeetModelPath the wispr.parakeet.modelPath one.
        if (!string.IsNullOrWhiteSpace(p?.ModelPath))
            await backends.SetModelPathAsync("whisper", p.ModelPath, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(p?.ParakeetModelPath))
            await backends.SetModelPathAsync("parakeet", p.ParakeetModelPath, cancellationToken).ConfigureAwait(false);
        var caps = new Capabilities(
            backends.Providers.Select(b => new BackendInfo(b.Id, b.Label, b.UnavailableReason is null, b.UnavailableReason)).ToList(),
            [AudioSourceSpec.Microphone, AudioSourceSpec.WavFile],
            TranscribeFile: true);
        return new InitializeResult(SidecarVersion, ProtocolVersion, RuntimeInformation.FrameworkDescription, Environment.ProcessId, caps, GetStatus());
    });

    [JsonRpcMethod(Methods.Status)]
    public StatusResult Status(EmptyParams? p = null) => GetStatus();

    [JsonRpcMethod(Methods.DictationStart)]
    public Task<StartResult> StartAsync(StartDictationRequest? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        if (p?.Source is { Kind: AudioSourceSpec.WavFile } source)
        {
            if (string.IsNullOrWhiteSpace(source.Path))
                throw new WisprException(WisprErrorCodes.InvalidParams, "dictation/start with a wavFile source needs a path.");
            // The header is checked here, off the dispatcher, so a FIFO or a broken file fails this call without holding up others.
            await OffDispatcher(() => WavHeader.Read(source.Path), cancellationToken).ConfigureAwait(false);
        }
        var id = await dictation.StartAsync(p ?? new StartDictationRequest(), cancellationToken).ConfigureAwait(false);
        return new StartResult(id, DictationState.Listening.ToWire());
    });

    [JsonRpcMethod(Methods.DictationStop)]
    public Task<TranscriptResult> StopAsync(StopDictationParams? p = null, CancellationToken cancellationToken = default) =>
        Guard(() => dictation.StopAsync(p?.DictationId, p?.Context, cancellationToken));

    [JsonRpcMethod(Methods.DictationCancel)]
    public Task<CancelResult> CancelAsync(DictationRef? p = null) =>
        Guard(async () => new CancelResult(await dictation.CancelAsync(p?.DictationId).ConfigureAwait(false)));

    [JsonRpcMethod(Methods.DictationDelivered)]
    public Task<DeliveredResult> DeliveredAsync(DictationRef? p = null) => Guard(() =>
    {
        if (string.IsNullOrWhiteSpace(p?.DictationId))
            throw new WisprException(WisprErrorCodes.InvalidParams, "dictation/delivered needs the dictationId of a stopped dictation.");
        // Deleting one file: quick enough for the dispatcher, and it must not race a shutdown that keeps the file.
        return Task.FromResult(new DeliveredResult(dictation.Delivered(p.DictationId)));
    });

    [JsonRpcMethod(Methods.TranscribeFile)]
    public Task<TranscriptResult> TranscribeFileAsync(TranscribeFileParams? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        if (string.IsNullOrWhiteSpace(p?.Path))
            throw new WisprException(WisprErrorCodes.InvalidParams, "transcribeFile needs a path.");
        if (dictation.HoldsRecording(p.Path))
            throw new WisprException(WisprErrorCodes.InvalidState,
                $"{p.Path} is the recording of a dictation this sidecar is still running or delivering, not a leftover; its text comes with that dictation.");
        await OffDispatcher(() => WavHeader.Read(p.Path), cancellationToken).ConfigureAwait(false);
        return await dictation.TranscribeFileAsync(p.Path, p.Language, p.Prompt, p.Context, cancellationToken).ConfigureAwait(false);
    });

    [JsonRpcMethod(Methods.CleanupConfigure)]
    public Task<CleanupSettingsResult> ConfigureCleanupAsync(CleanupSettings? p = null) =>
        Guard(() => Task.FromResult(cleanup.Configure(p)));

    [JsonRpcMethod(Methods.CleanupApply)]
    public Task<CleanupApplyResult> ApplyCleanupAsync(CleanupApplyParams? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        if (p?.Text is null)
            throw new WisprException(WisprErrorCodes.InvalidParams, "cleanup/apply needs a text.");
        var outcome = await cleanup.CleanAsync(p.Text, p.Context, cancellationToken).ConfigureAwait(false);
        return new CleanupApplyResult(outcome.Text, p.Text, outcome.Info, outcome.ElapsedMs);
    });

    [JsonRpcMethod(Methods.RemoteConfigure)]
    public Task<RemoteConfigureResult> ConfigureRemoteAsync(RemoteConfigureParams? p = null) => Guard(async () =>
    {
        // Checked first: bad settings leave the previous ones in force.
        var settings = Recognition.Remote.RemoteSettings.From(p?.BaseUrl, p?.Model, p?.ApiKey, p?.TimeoutMs, p?.ConnectTimeoutMs);
        var before = remote.Current;
        remote.Set(settings);
        // A resident remote client was built for the old server, key or timeouts: drop it; the next use builds one for these.
        if (before != settings && backends.ResidentBackend == Recognition.Remote.RemoteBackendProvider.BackendId)
        {
            if (dictation.State == DictationState.Transcribing)
                logger.LogInformation("Remote settings changed during a transcription; the new ones apply from the next one");
            await backends.UnloadAsync().ConfigureAwait(false);
        }
        logger.LogInformation("Remote transcription server: {Settings}", settings?.ToString() ?? "(none)");
        return RemoteConfigureResult.From(settings);
    });

    [JsonRpcMethod(Methods.BackendSelect)]
    public Task<StatusResult> SelectBackendAsync(SelectBackendParams? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        if (string.IsNullOrWhiteSpace(p?.Backend))
            throw new WisprException(WisprErrorCodes.InvalidParams, "backend/select needs a backend id.");
        if (dictation.State != DictationState.Idle)
            throw new WisprException(WisprErrorCodes.Busy,
                $"A dictation is {dictation.State.ToWire()}; stop or cancel it before switching the speech backend.");
        await OffDispatcher(() => RequireReadableModelPath(p.Backend, p.ModelPath), cancellationToken).ConfigureAwait(false);
        await backends.SelectAsync(p.Backend, p.ModelPath, cancellationToken).ConfigureAwait(false);
        return GetStatus();
    });

    [JsonRpcMethod(Methods.ModelPrepare)]
    public Task<PrepareResult> PrepareAsync(EmptyParams? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        var (path, downloaded, loadMs) = await backends.PrepareAsync(cancellationToken).ConfigureAwait(false);
        return new PrepareResult(path, downloaded, loadMs);
    });

    [JsonRpcMethod(Methods.AudioListDevices)]
    public Task<ListDevicesResult> ListDevicesAsync(EmptyParams? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
        new ListDevicesResult(await microphone.ListDevicesAsync(cancellationToken).ConfigureAwait(false), microphone.Name));

    [JsonRpcMethod(Methods.ModelUnload)]
    public Task<StatusResult> UnloadAsync(EmptyParams? p = null) => Guard(async () =>
    {
        if (dictation.State == DictationState.Transcribing)
            throw new WisprException(WisprErrorCodes.Busy, "A dictation is being transcribed; unload once it has finished.");
        await backends.UnloadAsync().ConfigureAwait(false);
        return GetStatus();
    });

    [JsonRpcMethod(Methods.RecordingsList)]
    public Task<RecordingsListResult> ListRecordingsAsync(EmptyParams? p, CancellationToken cancellationToken) => Guard(async () =>
    {
        // The running dictation's own file is held open (and so skipped) too; excluding it by path says so plainly.
        var list = await Task.Run(() => recordings.List(dictation.CurrentRecordingPath), cancellationToken).ConfigureAwait(false);
        return new RecordingsListResult(recordings.Folder, list);
    });

    [JsonRpcMethod(Methods.RecordingsDelete)]
    public Task<RecordingDeleteResult> DeleteRecordingAsync(RecordingRef? p) => Guard(() =>
    {
        if (string.IsNullOrWhiteSpace(p?.Id))
            throw new WisprException(WisprErrorCodes.InvalidParams, "recordings/delete needs an id (a file name from recordings/list).");
        if (dictation.CurrentRecordingPath is { } current && Path.GetFileName(current) == p.Id)
            throw new WisprException(WisprErrorCodes.InvalidState, "That recording belongs to the running dictation; cancel the dictation to discard it.");
        return Task.FromResult(new RecordingDeleteResult(recordings.Delete(p.Id)));
    });

    [JsonRpcMethod(Methods.ModelsList)]
    public Task<Models.ModelListResult> ListModelsAsync(ModelsListParams? p = null, CancellationToken cancellationToken = default) =>
        // Stats every catalog file and sums the cache folder: disk work, off the dispatcher.
        Guard(() => Task.Run(() => models.List(p?.Language), cancellationToken));

    [JsonRpcMethod(Methods.ModelsDownload)]
    public Task<ModelDownloadResult> DownloadModelAsync(ModelRef? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        var entry = Models.ModelStore.Require(p?.Id);
        var (path, downloaded) = await models.DownloadAsync(entry.Id, cancellationToken).ConfigureAwait(false);
        return new ModelDownloadResult(entry.Id, path, downloaded);
    });

    [JsonRpcMethod(Methods.ModelsDelete)]
    public Task<ModelDeleteResult> DeleteModelAsync(ModelRef? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        var entry = Models.ModelStore.Require(p?.Id);
        var freed = await Task.Run(() => models.Delete(entry.Id), cancellationToken).ConfigureAwait(false);
        return new ModelDeleteResult(entry.Id, freed);
    });

    [JsonRpcMethod(Methods.ModelsUseFile)]
    public Task<UseFileResult> UseModelFileAsync(UseFileParams? p = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        if (string.IsNullOrWhiteSpace(p?.Path))
            throw new WisprException(WisprErrorCodes.InvalidParams, "models/useFile needs a path (a Whisper ggml file or a Parakeet model folder).");
        var path = Path.GetFullPath(p.Path);
        string backend = "";
        await OffDispatcher(() =>
        {
            RequireReadableModelPath("model", path);
            backend = Models.ModelStore.Validate(path);
        }, cancellationToken).ConfigureAwait(false);
        if (p.Select != false)
        {
            if (dictation.State != DictationState.Idle)
                throw new WisprException(WisprErrorCodes.Busy,
                    $"A dictation is {dictation.State.ToWire()}; stop or cancel it before switching the model.");
            await backends.SelectAsync(backend, path, cancellationToken).ConfigureAwait(false);
        }
        return new UseFileResult(backend, path, GetStatus());
    });

    [JsonRpcMethod(Methods.Shutdown)]
    public EmptyResult Shutdown(EmptyParams? p = null)
    {
        logger.LogInformation("Shutdown requested by the client");
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("At shutdown: {Jit}", JitStats.Describe());
        // The host stops once this answer is on stdout (RpcConnection's server raises that; RpcHostedService stops the host),
        // so the answer is never lost to an exit that overtook it. The host unloads the backend while stopping.
        return new EmptyResult();
    }

    /// <summary>
    /// Runs file checks of client-supplied paths on the thread pool, and continues there: JSON-RPC methods start on StreamJsonRpc's
    /// one-at-a-time dispatcher, so a blocking open or read there would hold up every later request (even <c>status</c>).
    /// </summary>
    private static Task OffDispatcher(Action check, CancellationToken cancellationToken) => Task.Run(check, cancellationToken);

    /// <summary>
    /// Refuses a model path that names a FIFO, a device or a socket (opening one blocks, or never ends), or a model folder holding one.
    /// A missing path, or a file where a folder belongs, is left to the backend, whose message says what it expected.
    /// </summary>
    private static void RequireReadableModelPath(string backend, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
            return;
        var kind = FileKinds.Of(path);
        if (kind is FileKind.Missing or FileKind.Regular)
            return;
        if (kind == FileKind.Directory)
        {
            IEnumerable<string> entries;
            try { entries = Directory.EnumerateFileSystemEntries(path).ToList(); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return; }
            foreach (var entry in entries)
            {
                var inner = FileKinds.Of(entry);
                if (inner is not (FileKind.Regular or FileKind.Directory or FileKind.Missing))
                    throw new WisprException(WisprErrorCodes.ModelInvalid,
                        $"The {backend} model folder {path} holds {entry}, which is {FileKinds.Describe(inner)}; a model folder holds regular files only.");
            }
            return;
        }
        throw new WisprException(WisprErrorCodes.ModelInvalid,
            $"The {backend} model path {path} is {FileKinds.Describe(kind)}; a model is a regular file (for Parakeet, a folder of them).");
    }

    private StatusResult GetStatus()
    {
        using var self = Process.GetCurrentProcess();
        var resident = backends.ResidentModelPath;
        var path = resident ?? backends.ModelPathOverride;
        ModelStatus? model = path is null ? null : new ModelStatus(path, resident is not null, SizeOnDisk(path));
        return new StatusResult(dictation.State.ToWire(), dictation.CurrentDictationId, backends.SelectedBackend, model,
            self.WorkingSet64, self.PeakWorkingSet64, GC.GetTotalMemory(forceFullCollection: false),
            backends.ResidentBackend, backends.IsSwitching);
    }

    /// <summary>A model file's size, or a model folder's (all its files: Parakeet's encoder keeps its weights in a .data file beside it).</summary>
    private static long? SizeOnDisk(string path)
    {
        try
        {
            // stat only: a FIFO named as a model must not block status (SniffFile in Locate would open a file).
            var kind = FileKinds.Of(path);
            if (kind == FileKind.Regular)
                return new FileInfo(path).Length;
            if (kind == FileKind.Directory)
            {
                try { return Recognition.Parakeet.ParakeetModelLayout.Locate(path).SizeBytes(); }
                catch (WisprException) { return new DirectoryInfo(path).EnumerateFiles().Sum(f => f.Length); }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    internal static string SidecarVersion { get; } =
        typeof(SidecarRpcTarget).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    private async Task<T> Guard<T>(Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (WisprException ex)
        {
            logger.LogWarning("Request failed ({Code}): {Message}", ex.Code, ex.Message);
            throw new LocalRpcException(ex.Message, ex) { ErrorCode = ex.Code };
        }
    }
}
