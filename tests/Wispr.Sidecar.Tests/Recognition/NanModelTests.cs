using System.Text.Json;
using StreamJsonRpc;
using Wispr.ModelGen;
using Wispr.Sidecar.Recognition.Whisper;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>
/// A Whisper model that loads but yields no words from speech (NaN weights) through the real sidecar and whisper.cpp:
/// NoWordsRecognized with the recording kept, not an empty "heard no speech" transcript. The test shape and a token cap keep
/// the decode short.
/// </summary>
[Collection(WhisperModelCollection.Name)]
public sealed class NanModelTests(WhisperTestModelFixture models) : IDisposable
{
    private readonly string _recordings = Directory.CreateTempSubdirectory("wispr-nan-recordings-").FullName;

    [Fact]
    public async Task A_NaN_weight_model_is_NoWordsRecognized_with_the_recording_kept()
    {
        var model = models.NewPath("nan.bin");
        WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, model, WhisperShape.Test, seed: 1, GgmlType.F16, neverEndText: false, nanWeights: true);
        await using var sidecar = await InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = model, RecordingsDirectory = _recordings, MaxTokens = 8, Threads = 2 });

        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = RepoPaths.JfkWav, realtime = false } });
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id }));

        Assert.Equal(WisprErrorCodes.NoWordsRecognized, ex.ErrorCode);
        Assert.Contains("nan.bin", ex.Message);
        Assert.Contains(Assert.Single(Directory.GetFiles(_recordings, "*.wav")), ex.Message);
    }

    public void Dispose() => Directory.Delete(_recordings, recursive: true);
}
