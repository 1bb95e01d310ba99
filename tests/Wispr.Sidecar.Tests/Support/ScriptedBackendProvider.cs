using System.Runtime.CompilerServices;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Recognition;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>
/// A provider whose backend recognises by running the test's <see cref="Transcribe"/> (hold at a gate, block until cancelled,
/// answer only punctuation): for tests of what the dictation does around recognition, not of a model. Any path is a "model".
/// </summary>
public abstract class ScriptedBackendProvider(string label) : ISpeechBackendProvider
{
    public string Id => "whisper";
    public string Label => label;
    public string? UnavailableReason => null;

    public Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<ModelProgress>? progress, CancellationToken cancellationToken) =>
        Task.FromResult((modelPathOverride!, false));

    public Task<ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken) => Task.FromResult<ISpeechBackend>(new Backend(this, modelPath));

    /// <summary>The backend's recognition of one call's audio.</summary>
    protected abstract IAsyncEnumerable<TranscriptSegment> Transcribe(ReadOnlyMemory<float> pcm16kMono, CancellationToken cancellationToken);

    private sealed class Backend(ScriptedBackendProvider owner, string modelPath) : ISpeechBackend
    {
        public string Name => "whisper";
        public string ModelPath => modelPath;

        public IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> pcm16kMono, TranscribeOptions options,
            CancellationToken cancellationToken) => owner.Transcribe(pcm16kMono, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
