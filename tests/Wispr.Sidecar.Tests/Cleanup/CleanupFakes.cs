using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Recognition;

namespace Wispr.Sidecar.Tests.Cleanup;

/// <summary>A "whisper" backend that hears a fixed sentence and records the options each transcription got.</summary>
public sealed class HeardBackendProvider(string heard) : ISpeechBackendProvider, ISpeechBackend
{
    public ConcurrentQueue<TranscribeOptions> Options { get; } = new();
    public string Id => "whisper";
    public string Name => "whisper";
    public string Label => "Whisper (hears a fixed sentence)";
    public string? UnavailableReason => null;
    public string ModelPath { get; private set; } = "";

    public Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<ModelProgress>? progress, CancellationToken cancellationToken) =>
        Task.FromResult((modelPathOverride ?? "fake.bin", false));

    public Task<ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken)
    {
        ModelPath = modelPath;
        return Task.FromResult<ISpeechBackend>(this);
    }

    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> pcm16kMono, TranscribeOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Options.Enqueue(options);
        await Task.Yield();
        yield return new TranscriptSegment(TimeSpan.Zero, TimeSpan.FromSeconds(pcm16kMono.Length / 16000.0), heard);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>An LLM stage whose behaviour the test picks; records what it was given and the token it got.</summary>
public sealed class FakeLlmStage(Func<CleanupInput, CancellationToken, ValueTask<string>> behaviour) : ITranscriptCleaner, ILlmCleanerFactory
{
    public ConcurrentQueue<CleanupInput> Inputs { get; } = new();
    public CancellationToken LastToken { get; private set; }
    public CleanupSettings? SettingsSeen { get; private set; }
    public string Name => "fake-llm";

    public ValueTask<string> CleanAsync(CleanupInput input, CancellationToken cancellationToken)
    {
        Inputs.Enqueue(input);
        LastToken = cancellationToken;
        return behaviour(input, cancellationToken);
    }

    public ITranscriptCleaner? Create(CleanupSettings settings, out string? unavailableReason)
    {
        SettingsSeen = settings;
        unavailableReason = null;
        return this;
    }
}
