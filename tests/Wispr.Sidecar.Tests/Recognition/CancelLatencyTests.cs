using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Wispr.ModelGen;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Whisper;
using Xunit.Abstractions;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>
/// Cancel during recognition takes effect inside whisper.cpp's current pass, not after it (an encoder pass of a base-size
/// model took up to ~10 s on a busy machine). The requirement is 200 ms from the cancellation to the recognition task
/// completing; wall time on a loaded CI machine cannot show that, so the test shows what makes it true whatever the load:
/// the recognition ends while the encoder pass is still running (held inside it by the test), and the time it took is
/// only printed.
/// </summary>
[Collection(WhisperModelCollection.Name)]
public sealed class CancelLatencyTests(WhisperTestModelFixture models, ITestOutputHelper output)
{
    /// <summary>A failure bound only (a recognition that waited for the pass would never end while it is held).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Cancel_during_an_encoder_pass_ends_recognition_before_the_pass_ends()
    {
        var path = models.NewPath("tiny.bin");
        WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, path, WhisperShape.TinyEn, seed: 3);
        await using var backend = await WhisperBackend.LoadAsync(new WhisperBackendOptions(path) { Threads = 2 }, NullLogger.Instance, CancellationToken.None);
        var audio = new float[30 * 16000];
        for (var i = 0; i < audio.Length; i++)
            audio[i] = 0.3f * MathF.Sin(i * 0.07f) * MathF.Sin(i * 0.0005f);

        using var cts = new CancellationTokenSource();
        // Not disposed by the test: the handler runs on whisper.cpp's thread and may reach Wait only after the test has
        // already cancelled and checked (a busy machine can preempt it right after TrySetResult). A disposed event would
        // then throw inside the native callback, which ends the process (it did, on CI under load).
        var pass = new ManualResetEventSlim();
        var encoding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerReturned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var passEnded = false;
        backend.EncoderBegan += () =>
        {
            encoding.TrySetResult();
            pass.Wait(TimeSpan.FromSeconds(120)); // the native pass goes on until the test lets it
            Volatile.Write(ref passEnded, true);
            handlerReturned.TrySetResult();
        };
        var recognition = Task.Run(async () =>
        {
            await foreach (var _ in backend.TranscribeAsync(audio, TranscribeOptions.Default, cts.Token))
            {
            }
        });

        await encoding.Task.WaitAsync(TimeSpan.FromSeconds(120)); // the first encoder pass has begun
        var clock = Stopwatch.StartNew();
        await cts.CancelAsync();
        var ended = await Task.WhenAny(recognition, Task.Delay(Bound));
        var elapsed = clock.Elapsed;
        var endedDuringThePass = !Volatile.Read(ref passEnded);
        pass.Set();
        await handlerReturned.Task.WaitAsync(Bound); // the native callback is done with the test's objects

        Assert.Same(recognition, ended);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => recognition);
        Assert.True(endedDuringThePass, "the recognition waited for the encoder pass to end");
        output.WriteLine($"recognition ended {elapsed.TotalMilliseconds:0} ms after the cancel (requirement 200 ms on a quiet machine)");
    }
}
