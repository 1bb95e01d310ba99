using Wispr.Sidecar.Models;
using Wispr.Sidecar.Recognition;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>
/// Counts backends alive at once, across every provider it wraps. A backend counts from the moment its load starts until its
/// dispose has finished, so a load that overlaps another model's lifetime (even by a moment) shows as two.
/// </summary>
public sealed class LiveBackendCounter
{
    private int _live;
    private int _max;
    private int _loads;

    public int Live => Volatile.Read(ref _live);
    public int MaxLive => Volatile.Read(ref _max);
    public int Loads => Volatile.Read(ref _loads);

    public void Enter()
    {
        Interlocked.Increment(ref _loads);
        var now = Interlocked.Increment(ref _live);
        int seen;
        while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _live);
}

/// <summary>Wraps a real or fake provider so every backend it loads is counted by <see cref="LiveBackendCounter"/>.</summary>
public sealed class CountingProvider(ISpeechBackendProvider inner, LiveBackendCounter counter, string? id = null) : ISpeechBackendProvider
{
    public string Id => id ?? inner.Id;
    public string Label => inner.Label;
    public string? UnavailableReason => inner.UnavailableReason;

    public Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<ModelProgress>? progress, CancellationToken cancellationToken) =>
        inner.EnsureModelAsync(modelPathOverride, progress, cancellationToken);

    public async Task<ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken)
    {
        counter.Enter();
        try
        {
            return new CountingBackend(await inner.LoadAsync(modelPath, cancellationToken), counter, id);
        }
        catch
        {
            counter.Exit();
            throw;
        }
    }

    private sealed class CountingBackend(ISpeechBackend inner, LiveBackendCounter counter, string? name) : ISpeechBackend
    {
        private int _disposed;
        public string Name => name ?? inner.Name;
        public string ModelPath => inner.ModelPath;

        public IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> pcm16kMono, TranscribeOptions options, CancellationToken cancellationToken) =>
            inner.TranscribeAsync(pcm16kMono, options, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            await inner.DisposeAsync();
            counter.Exit();
        }
    }
}
