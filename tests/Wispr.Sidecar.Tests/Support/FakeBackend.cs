using System.Runtime.CompilerServices;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>A backend for fault injection and state tests: "transcribes" by describing the audio it got.</summary>
public sealed class FakeBackend(string modelPath, TimeSpan delay) : ISpeechBackend
{
    private static int s_live;
    private bool _disposed;

    public static int Live => Volatile.Read(ref s_live);

    public string Name => "whisper";
    public string ModelPath { get; } = modelPath;

    public static FakeBackend Create(string modelPath, TimeSpan delay)
    {
        Interlocked.Increment(ref s_live);
        return new FakeBackend(modelPath, delay);
    }

    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> pcm16kMono, TranscribeOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await Task.Delay(delay, cancellationToken);
        var seconds = pcm16kMono.Length / 16000.0;
        yield return new TranscriptSegment(TimeSpan.Zero, TimeSpan.FromSeconds(seconds), $"heard {pcm16kMono.Length} samples");
    }

    /// <summary>
    /// Samples the fake recognised in all: a segmented dictation's text holds one "heard N samples" per recognised segment
    /// (the stop's text may be cleaned, so the numbers are summed wherever they are).
    /// </summary>
    public static int HeardSamples(string? text) =>
        System.Text.RegularExpressions.Regex.Matches(text ?? "", @"heard (\d+) samples", System.Text.RegularExpressions.RegexOptions.IgnoreCase)
            .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            Interlocked.Decrement(ref s_live);
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>Provider for <see cref="FakeBackend"/>: any existing file is a "model"; a file containing "corrupt" fails to load.</summary>
public sealed class FakeBackendProvider(TimeSpan? delay = null) : ISpeechBackendProvider
{
    public int Loads;
    public string Id => "whisper";
    public string Label => "Whisper (fake)";
    public string? UnavailableReason => null;

    public Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<ModelProgress>? progress, CancellationToken cancellationToken)
    {
        if (modelPathOverride is null || !File.Exists(modelPathOverride))
            throw new WisprException(WisprErrorCodes.ModelNotFound, $"Model file not found: {modelPathOverride}");
        return Task.FromResult((modelPathOverride, false));
    }

    public Task<ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken)
    {
        if (File.ReadAllText(modelPath).Contains("corrupt"))
            throw new WisprException(WisprErrorCodes.ModelInvalid, $"{modelPath}: corrupt");
        Interlocked.Increment(ref Loads);
        return Task.FromResult<ISpeechBackend>(FakeBackend.Create(modelPath, delay ?? TimeSpan.FromMilliseconds(10)));
    }
}
