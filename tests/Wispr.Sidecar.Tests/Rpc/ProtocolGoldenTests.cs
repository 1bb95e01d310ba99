using System.Text.Json;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Rpc;

/// <summary>
/// One contract, checked from both ends: this test serializes examples of every result and notification exactly as the wire
/// does (the sidecar's own records and serializer options) into tests/fixtures/protocol-golden/, and the extension's unit test
/// protocolGolden.test.ts type-checks each file against protocol.ts. The examples cover every null and absent variant, so a
/// property that is null where protocol.ts says optional (or the reverse) fails there. Set WISPR_UPDATE_GOLDEN=1 to rewrite
/// the files after a deliberate change; otherwise a difference fails here.
/// </summary>
public sealed class ProtocolGoldenTests
{
    private static readonly string Folder = Path.Combine(RepoPaths.Root, "tests", "fixtures", "protocol-golden");

    private static StatusResult Status(bool withModel) => withModel
        ? new StatusResult("listening", "d-1", "whisper", new ModelStatus("/models/ggml-base.en.bin", true, 147_951_465),
            250_000_000, 260_000_000, 12_000_000, "whisper", false)
        : new StatusResult("idle", null, "parakeet", null, 90_000_000, 95_000_000, 8_000_000, null, true);

    private static TranscriptResult Transcript(string? id, bool llmFallback) => new(
        id, "Ask not what your country can do for you.", [new SegmentResult(0, 2_500, " ask not what your country can do for you")],
        2_500, "whisper", "/models/ggml-base.en.bin", new TranscriptTimings(640, 610, 0, 12), "ask not what your country can do for you",
        llmFallback
            ? new CleanupInfo("llm", "rules", "openai", "the LLM did not answer within 5000 ms", 1, 5_000)
            : new CleanupInfo("rules", "rules", null, null, 1, null));

    /// <summary>File name → examples. Keep in step with the map in tests/extension/unit/protocolGolden.test.ts.</summary>
    public static IReadOnlyDictionary<string, object[]> Examples() => new Dictionary<string, object[]>
    {
        [Result(M.Initialize)] =
        [
            new InitializeResult("0.1.0", SidecarRpcTarget.ProtocolVersion, ".NET 10.0.0", 4242,
                new Capabilities([new BackendInfo("whisper", "Whisper", true, null), new BackendInfo("parakeet", "Parakeet", false, "not built in")],
                    [AudioSourceSpec.Microphone, AudioSourceSpec.WavFile], TranscribeFile: true),
                Status(withModel: false)),
        ],
        [Result(M.Status)] = [Status(withModel: true), Status(withModel: false)],
        [Result(M.DictationStart)] = [new StartResult("d-1", "listening")],
        [Result(M.DictationStop)] = [Transcript("d-1", llmFallback: false), Transcript("d-2", llmFallback: true)],
        [Result(M.DictationCancel)] = [new CancelResult(true), new CancelResult(false)],
        [Result(M.DictationDelivered)] = [new DeliveredResult(true), new DeliveredResult(false)],
        [Result(M.TranscribeFile)] = [Transcript(null, llmFallback: false)],
        [Result(M.BackendSelect)] = [Status(withModel: true)],
        [Result(M.ModelPrepare)] = [new PrepareResult("/models/ggml-base.en.bin", true, 160)],
        [Result(M.AudioListDevices)] = [new ListDevicesResult([new AudioDevice("alsa_input.usb-mic", "USB Microphone", true)], "parec (PulseAudio/PipeWire)")],
        [Result(M.ModelUnload)] = [Status(withModel: false)],
        [Result(M.CleanupConfigure)] =
        [
            CleanupPipeline.ToResult(new CleanupSettings("llm", "openai", "https://user:sk-secret@example.com/v1?api-key=sk-secret", "gpt-4o-mini", "sk-secret", 5000)),
            CleanupPipeline.ToResult(new CleanupSettings("rules", null, null, null, null, 5000)),
        ],
        [Result(M.RemoteConfigure)] =
        [
            RemoteConfigureResult.From(Wispr.Sidecar.Recognition.Remote.RemoteSettings.From("https://gpu-box:8443/v1?api-key=sk-secret", null, "sk-secret", null, null)
                ?? throw new InvalidOperationException()),
            RemoteConfigureResult.From(null),
        ],
        [Result(M.CleanupApply)] = [new CleanupApplyResult("Hello, world.", "hello world", new CleanupInfo("rules", "rules", null, null, 1, null), 1)],
        [Result(M.Shutdown)] = [new EmptyResult()],
        [Result(M.RecordingsList)] =
        [
            new RecordingsListResult("/home/u/.cache/wispr-vscode/recordings",
                [new RecordingInfo("dictation-20261130-171500-4242-d-1.wav", "/home/u/.cache/wispr-vscode/recordings/dictation-20261130-171500-4242-d-1.wav", 11_000, 704_044, 1_796_059_300_000)]),
            new RecordingsListResult("/home/u/.cache/wispr-vscode/recordings", []),
        ],
        [Result(M.RecordingsDelete)] = [new RecordingDeleteResult(true), new RecordingDeleteResult(false)],
        [Params(M.DictationStateChanged)] =
        [
            new StateChangedNotification("d-1", "listening", "idle", null),
            new StateChangedNotification(null, "idle", "listening", "cancelled"),
        ],
        [Params(M.DictationSourceEnded)] =
        [
            new SourceEndedNotification("d-1", 11_000, null, "end", null),
            new SourceEndedNotification("d-1", 4_000, "The microphone was unplugged.", "error", WisprErrorCodes.MicrophoneUnavailable),
        ],
        [Params(M.DictationSegment)] =
        [
            new SegmentNotification("d-1", 0, 0, 4_128, "ask not what your country can do for you", 412),
            new SegmentNotification("d-1", 1, 4_128, 5_200, "", 0),
        ],
        [Params(M.DictationLimitApproaching)] = [new LimitApproachingNotification("d-1", 570_000, 600_000, 30_000)],
        [Params(M.AudioLevel)] = [new AudioLevelNotification("d-1", 0.125f, 0.5f, 0)],
        [Params(M.DictationRecordingUnsaved)] = [new RecordingUnsavedNotification("d-1", "No space left on device")],
        [Result(M.ModelsList)] =
        [
            new Wispr.Sidecar.Models.ModelListResult(
                [
                    new Wispr.Sidecar.Models.ModelListItem("whisper-base.en", "whisper", "Whisper base (English)", "full precision (f16)", ["en"],
                        "Fast with fair accuracy; a good start on most laptops.", 388, 147_964_211, true, 147_964_211, 0, true, true, false,
                        "/home/u/.cache/wispr-vscode/models/ggml-base.en.bin", ["https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin"], true),
                    new Wispr.Sidecar.Models.ModelListItem("parakeet-tdt-0.6b-v3-int8", "parakeet", "Parakeet TDT 0.6B v3 (25 languages) int8", "int8", ["de", "en", "fr"],
                        "25 European languages, detected automatically; very fast on CPU.", 1200, 670_480_039, false, 0, 104_857_600, false, false, true,
                        "/home/u/.cache/wispr-vscode/models/parakeet-tdt-0.6b-v3",
                        ["https://huggingface.co/istupakov/parakeet-tdt-0.6b-v3-onnx/resolve/main/encoder-model.int8.onnx"], false),
                ],
                "/home/u/.cache/wispr-vscode/models", 252_821_811, "whisper-small.en-q8_0", new Wispr.Sidecar.Models.MachineInfo(4, 8_589_934_592)),
        ],
        [Result(M.ModelsDownload)] = [new ModelDownloadResult("whisper-small.en-q8_0", "/home/u/.cache/wispr-vscode/models/ggml-small.en-q8_0.bin", true)],
        [Result(M.ModelsDelete)] = [new ModelDeleteResult("whisper-tiny.en", 77_704_715)],
        [Result(M.ModelsUseFile)] = [new UseFileResult("whisper", "/models/ggml-base.en.bin", Status(withModel: true))],
        [Params(M.ModelsDownloadProgress)] = [new ModelDownloadProgressNotification("whisper-small.en-q8_0", "ggml-small.en-q8_0.bin", 52_428_800, 264_477_561, 10_485_760)],
        [Params(M.ModelProgress)] =
        [
            new ModelProgressNotification("download", "ggml-base.en.bin", 1_048_576, 147_951_465),
            new ModelProgressNotification("load", "ggml-base.en.bin", null, null),
        ],
    };

    private static string Result(string method) => method.Replace('/', '.') + ".result.json";

    private static string Params(string method) => method.Replace('/', '.') + ".params.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string Serialize(object[] examples)
    {
        var elements = examples.Select(e => JsonSerializer.SerializeToElement(e, e.GetType(), RpcConnection.SerializerOptions)).ToArray();
        return JsonSerializer.Serialize(elements, Indented).ReplaceLineEndings("\n") + "\n";
    }

    [Fact]
    public void Every_result_and_notification_has_a_golden_example_equal_to_what_the_sidecar_writes()
    {
        var examples = Examples();
        var methods = typeof(SidecarRpcTarget.Methods).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.All(methods, m => Assert.True(examples.ContainsKey(Result(m)) || examples.ContainsKey(Params(m)), $"no golden example for {m}"));

        bool update = Environment.GetEnvironmentVariable("WISPR_UPDATE_GOLDEN") == "1";
        if (update)
            Directory.CreateDirectory(Folder);
        var stale = new List<string>();
        foreach (var (name, values) in examples)
        {
            var path = Path.Combine(Folder, name);
            var json = Serialize(values);
            if (update)
                File.WriteAllText(path, json);
            else if (!File.Exists(path) || File.ReadAllText(path).ReplaceLineEndings("\n") != json)
                stale.Add(name);
        }
        var extra = Directory.Exists(Folder)
            ? Directory.GetFiles(Folder, "*.json").Select(Path.GetFileName).Where(n => !examples.ContainsKey(n!)).ToList()
            : [];
        Assert.True(stale.Count == 0 && extra.Count == 0,
            $"tests/fixtures/protocol-golden is out of date (differs: {string.Join(", ", stale)}; not written by the sidecar: {string.Join(", ", extra)}). " +
            "If the wire change is deliberate, run this test with WISPR_UPDATE_GOLDEN=1, update protocol.ts and docs/protocol.md, and commit.");
    }

    [Fact]
    public void Optional_properties_are_omitted_never_null()
    {
        var status = Serialize([new StateChangedNotification("d-1", "listening", "idle", null)]);
        Assert.DoesNotContain("reason", status, StringComparison.Ordinal);
        var progress = Serialize([new ModelProgressNotification("load", "m.bin", null, null)]);
        Assert.DoesNotContain("Bytes", progress, StringComparison.Ordinal);
        var backend = Serialize([new BackendInfo("whisper", "Whisper", true, null)]);
        Assert.DoesNotContain("reason", backend, StringComparison.Ordinal);
        // `T | null` properties stay, as null.
        var ended = Serialize([new SourceEndedNotification("d-1", 1, null, "end", null)]);
        Assert.Contains("\"errorCode\": null", ended, StringComparison.Ordinal);
    }
}
