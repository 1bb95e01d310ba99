using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamJsonRpc;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Parakeet;
using Wispr.Sidecar.Recognition.Whisper;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Support;
using Xunit;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>
/// The memory rule, measured: never two backends alive at once — not during a switch, not under concurrent switches and
/// dictations, not after a failed switch — and nothing alive after the host is gone.
/// </summary>
[Collection(WhisperModelCollection.Name)]
public sealed class BackendResidencyTests(WhisperTestModelFixture whisper) : IAsyncLifetime
{
    private readonly TestAudio _audio = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _audio.Dispose();
        return Task.CompletedTask;
    }

    private SidecarOptions Options => new()
    {
        ModelPath = whisper.ModelPath,
        ParakeetModelPath = TinyParakeetModel.Folder,
        Threads = 1,
    };

    private static ILoggerFactory Loggers => NullLoggerFactory.Instance;

    [ParakeetFact]
    public async Task Real_Whisper_and_Parakeet_are_never_resident_together_under_concurrent_switches_and_transcriptions()
    {
        var counter = new LiveBackendCounter();
        var options = Options;
        var providers = new ISpeechBackendProvider[]
        {
            new CountingProvider(new WhisperBackendProvider(null!, options, Loggers), counter),
            new CountingProvider(new ParakeetBackendProvider(null!, options, Loggers), counter),
        };
        var host = new BackendHost(providers, options, new SidecarEvents(), NullLogger<BackendHost>.Instance);
        var audio = ParakeetBackendTests.Tone(1.5);
        var random = new Random(42);
        var kinds = Enumerable.Range(0, 32).Select(_ => random.Next(5)).ToList();

        var results = await Task.WhenAll(kinds.Select(kind => Task.Run(async () =>
        {
            switch (kind)
            {
                case 0: await host.SelectAsync("whisper", null, CancellationToken.None); return "select whisper";
                case 1: await host.SelectAsync("parakeet", null, CancellationToken.None); return "select parakeet";
                case 2: await host.UnloadAsync(); return "unload";
                case 3: await host.PrepareAsync(CancellationToken.None); return "prepare";
                default:
                    return await host.UseAsync(async (backend, _) =>
                    {
                        var texts = new List<string>();
                        await foreach (var s in backend.TranscribeAsync(audio, TranscribeOptions.Default, CancellationToken.None))
                            texts.Add(s.Text);
                        // The backend handed out is the one the host says is resident, fully loaded.
                        Assert.Equal(backend.Name, host.ResidentBackend);
                        if (backend.Name == "parakeet")
                            Assert.Equal(TinyParakeetModel.ExpectedText, string.Join(' ', texts));
                        return "transcribed with " + backend.Name;
                    }, CancellationToken.None);
            }
        })));

        Assert.Contains(results, r => r == "transcribed with parakeet" || r == "transcribed with whisper");
        Assert.True(counter.Loads >= 2, $"only {counter.Loads} loads");
        Assert.Equal(1, counter.MaxLive);
        Assert.InRange(counter.Live, 0, 1);
        await host.DisposeAsync();
        Assert.Equal(0, counter.Live);
    }

    [ParakeetFact]
    public async Task Fake_and_Parakeet_backends_switch_twenty_times_with_one_alive_at_a_time()
    {
        var counter = new LiveBackendCounter();
        var fakeModel = _audio.Text("fake model", "fake.bin");
        var options = Options with { ModelPath = fakeModel };
        var host = new BackendHost(
            [new CountingProvider(new FakeBackendProvider(TimeSpan.FromMilliseconds(5)), counter), new CountingProvider(new ParakeetBackendProvider(null!, options, Loggers), counter)],
            options, new SidecarEvents(), NullLogger<BackendHost>.Instance);

        for (var i = 0; i < 20; i++)
        {
            var target = i % 2 == 0 ? "parakeet" : "whisper";
            var switching = host.SelectAsync(target, null, CancellationToken.None);
            var using_ = host.UseAsync((b, _) => Task.FromResult(b.Name), CancellationToken.None);
            await switching;
            Assert.Equal(target, await using_); // a dictation during a switch waits for it and runs on the new backend
        }
        Assert.Equal(1, counter.MaxLive);
        Assert.Equal(20, counter.Loads);
        await host.DisposeAsync();
        Assert.Equal(0, counter.Live);
    }

    [ParakeetFact]
    public async Task A_failed_switch_leaves_nothing_half_loaded_and_the_previous_backend_is_resident_again()
    {
        var counter = new LiveBackendCounter();
        var options = Options;
        var host = new BackendHost(
            [new CountingProvider(new WhisperBackendProvider(null!, options, Loggers), counter), new CountingProvider(new ParakeetBackendProvider(null!, options, Loggers), counter)],
            options, new SidecarEvents(), NullLogger<BackendHost>.Instance);
        await host.PrepareAsync(CancellationToken.None);
        Assert.Equal("whisper", host.ResidentBackend);

        var broken = Directory.CreateTempSubdirectory("wispr-broken-parakeet-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(broken, "encoder-model.onnx"), "not onnx");
            File.WriteAllText(Path.Combine(broken, "decoder_joint-model.onnx"), "not onnx");
            File.WriteAllText(Path.Combine(broken, "vocab.txt"), "a 0\nb 1\n<blk> 2\n");
            var ex = await Assert.ThrowsAsync<WisprException>(() => host.SelectAsync("parakeet", broken, CancellationToken.None));
            Assert.Equal(WisprErrorCodes.ModelInvalid, ex.Code);
            Assert.Equal("whisper", host.SelectedBackend);
            // Rolled back: the Whisper model that was resident is loaded again (after the failed load left nothing).
            Assert.Equal("whisper", host.ResidentBackend);
            Assert.Equal(1, counter.Live);

            var unknown = await Assert.ThrowsAsync<WisprException>(() => host.SelectAsync("wav2vec", null, CancellationToken.None));
            Assert.Equal(WisprErrorCodes.BackendUnavailable, unknown.Code);

            // The previous backend is usable again, and the good Parakeet folder still works afterwards.
            Assert.Equal("whisper", await host.UseAsync((b, _) => Task.FromResult(b.Name), CancellationToken.None));
            await host.SelectAsync("parakeet", null, CancellationToken.None);
            Assert.Equal("parakeet", host.ResidentBackend);
            Assert.Equal(1, counter.MaxLive);
        }
        finally
        {
            await host.DisposeAsync();
            Directory.Delete(broken, recursive: true);
        }
        Assert.Equal(0, counter.Live);
    }

    [ParakeetFact]
    public async Task Through_the_RPC_both_backends_dictate_by_the_same_path_and_never_coexist()
    {
        var counter = new LiveBackendCounter();
        await using var sidecar = await InMemorySidecar.StartAsync(Options, configure: services =>
        {
            services.RemoveAll<ISpeechBackendProvider>();
            services.AddSingleton<WhisperBackendProvider>();
            services.AddSingleton<ParakeetBackendProvider>();
            services.AddSingleton<ISpeechBackendProvider>(sp => new CountingProvider(sp.GetRequiredService<WhisperBackendProvider>(), counter));
            services.AddSingleton<ISpeechBackendProvider>(sp => new CountingProvider(sp.GetRequiredService<ParakeetBackendProvider>(), counter));
        });
        var init = await sidecar.CallAsync<JsonElement>(M.Initialize, new { clientName = "test" });
        Assert.Contains(init.GetProperty("capabilities").GetProperty("backends").EnumerateArray(),
            b => b.GetProperty("id").GetString() == "parakeet" && b.GetProperty("available").GetBoolean());
        var wav = _audio.Tone(1.5);

        // Sequential: a dictation on each backend through dictation/start + stop.
        foreach (var backend in new[] { "parakeet", "whisper", "parakeet" })
        {
            var status = await sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend });
            Assert.Equal(backend, status.GetProperty("backend").GetString());
            Assert.Equal(backend, status.GetProperty("residentBackend").GetString());
            Assert.True(status.GetProperty("model").GetProperty("loaded").GetBoolean());
            Assert.True(status.GetProperty("model").GetProperty("sizeBytes").GetInt64() > 0);
            var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = wav, realtime = false } });
            var result = await sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
            Assert.Equal(backend, result.GetProperty("backend").GetString());
            if (backend == "parakeet")
                Assert.Equal(TinyParakeetModel.ExpectedText, result.GetProperty("rawText").GetString());
        }

        // Concurrent: switches and file transcriptions racing; every answer is whole, or a clear Busy.
        var random = new Random(7);
        var calls = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            if (random.Next(2) == 0)
            {
                var backend = i % 2 == 0 ? "whisper" : "parakeet";
                try { return "select:" + (await sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend })).GetProperty("backend").GetString(); }
                catch (RemoteInvocationException ex) when (ex.ErrorCode == WisprErrorCodes.Busy) { return "busy"; }
            }
            var r = await sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = wav });
            var name = r.GetProperty("backend").GetString();
            if (name == "parakeet")
                Assert.Equal(TinyParakeetModel.ExpectedText, r.GetProperty("rawText").GetString());
            return "text:" + name;
        })).ToList();
        await Task.WhenAll(calls);
        Assert.Equal(1, counter.MaxLive);
    }

    [ParakeetFact]
    public async Task A_switch_while_a_dictation_listens_is_Busy_and_the_dictation_goes_on()
    {
        await using var sidecar = await InMemorySidecar.StartAsync(Options);
        await sidecar.CallAsync<JsonElement>(M.Initialize, new { clientName = "test" });
        var start = await sidecar.CallAsync<JsonElement>(M.DictationStart, new { source = new { kind = "wavFile", path = _audio.Tone(3), realtime = true } });

        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend = "parakeet" }));
        Assert.Equal(WisprErrorCodes.Busy, ex.ErrorCode);
        Assert.Contains("stop or cancel", ex.Message);
        await Task.Delay(700); // let the real-time source capture enough to transcribe

        var result = await sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = start.GetProperty("dictationId").GetString() });
        Assert.Equal("whisper", result.GetProperty("backend").GetString());
        var status = await sidecar.CallAsync<JsonElement>(M.BackendSelect, new { backend = "parakeet" });
        Assert.Equal("parakeet", status.GetProperty("residentBackend").GetString());
    }

    [ParakeetFact]
    public async Task Unload_drops_every_reference_so_both_backends_are_collected()
    {
        var options = Options;
        var host = new BackendHost([new WhisperBackendProvider(null!, options, Loggers), new ParakeetBackendProvider(null!, options, Loggers)],
            options, new SidecarEvents(), NullLogger<BackendHost>.Instance);
        try
        {
            var whisperRef = await ResidentAsWeakReference(host);
            await host.SelectAsync("parakeet", null, CancellationToken.None); // unloads Whisper first
            var parakeetRef = await ResidentAsWeakReference(host);
            await host.UnloadAsync();

            // A pool thread that just ran the dispose can hold the object for a moment in a dead stack slot; give it a few.
            for (var i = 0; i < 20 && (whisperRef.IsAlive || parakeetRef.IsAlive); i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                await Task.Delay(50);
            }
            Assert.False(whisperRef.IsAlive, "the unloaded Whisper backend is still reachable");
            Assert.False(parakeetRef.IsAlive, "the unloaded Parakeet backend is still reachable");
            Assert.Null(host.ResidentBackend);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Task<WeakReference> ResidentAsWeakReference(BackendHost host) =>
        host.UseAsync((backend, _) => Task.FromResult(new WeakReference(backend)), CancellationToken.None);

    [Fact]
    public async Task A_Parakeet_folder_given_to_Whisper_is_ModelInvalid()
    {
        var folder = Directory.CreateTempSubdirectory("wispr-parakeet-as-whisper-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "vocab.txt"), "a 0\n");
            var provider = new WhisperBackendProvider(null!, new SidecarOptions(), Loggers);
            var ex = await Assert.ThrowsAsync<WisprException>(() => provider.EnsureModelAsync(folder, null, CancellationToken.None));
            Assert.Equal(WisprErrorCodes.ModelInvalid, ex.Code);
            Assert.Contains("Parakeet", ex.Message);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
