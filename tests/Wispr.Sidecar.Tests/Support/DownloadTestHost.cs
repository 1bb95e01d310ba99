using System.Diagnostics;
using StreamJsonRpc;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>What every download test (model store, stalled servers) runs the sidecar with, and how it expects a bounded failure.</summary>
internal static class DownloadTestHost
{
    /// <summary>The sidecar's idle-read timeout in these tests: short, so a stalled server fails a call quickly.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// What a busy 2-core machine may add before a bounded call answers: a failure bound, never a wait (a call took several
    /// seconds there), still far below HttpClient's 100 s.
    /// </summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(20);

    /// <summary>An in-memory sidecar with the short idle timeout; <paramref name="whisperModel"/> null: the default model, downloaded.</summary>
    public static Task<InMemorySidecar> StartSidecarAsync(string recordings, string? whisperModel = null) => InMemorySidecar.StartAsync(new SidecarOptions
    {
        ModelPath = whisperModel,
        RecordingsDirectory = recordings,
        DownloadIdleTimeout = IdleTimeout,
        Threads = 1,
    });

    /// <summary>The call must fail with a JSON-RPC error; how long it took, and the error. A hang fails the test after 90 s instead of hanging it.</summary>
    public static async Task<(TimeSpan Elapsed, RemoteInvocationException Error)> FailsWithinAsync(Func<CancellationToken, Task> call)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => call(guard.Token));
        return (clock.Elapsed, ex);
    }
}
