using System.Runtime.CompilerServices;
using System.Text.Json;
using StreamJsonRpc;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Dictation;

/// <summary>
/// No spoken word lost: every dictation is spooled to a recording file while it is captured, the file is deleted once the
/// text is out, kept when recognition fails or the sidecar shuts down mid-dictation, and reported by recordings/list.
/// </summary>
public sealed class RecordingSpoolTests : IAsyncLifetime
{
    private readonly TestAudio _audio = new();
    private readonly string _recordings = Directory.CreateTempSubdirectory("wispr-recordings-").FullName;
    private string _model = null!;

    public Task InitializeAsync()
    {
        _model = _audio.Text("fake model", "model.bin");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _audio.Dispose();
        Directory.Delete(_recordings, recursive: true);
        return Task.CompletedTask;
    }

    private Task<InMemorySidecar> StartAsync(ISpeechBackendProvider? provider = null, string? recordings = null, string? model = null) =>
        InMemorySidecar.StartAsync(new SidecarOptions { ModelPath = model ?? _model, RecordingsDirectory = recordings ?? _recordings },
            provider ?? new FakeBackendProvider());

    private string[] Wavs(string? folder = null) => Directory.Exists(folder ?? _recordings) ? Directory.GetFiles(folder ?? _recordings, "*.wav") : [];

    private static object RealtimeSource(string wav) => new { source = new { kind = "wavFile", path = wav, realtime = true } };

    /// <summary>Waits until the running dictation has spooled at least <paramref name="samples"/> samples (a level notification per 50 ms proves capture runs).</summary>
    private async Task<string> WaitForSpoolAsync(long samples)
    {
        var path = await PollAsync(() => Wavs().SingleOrDefault());
        await PollAsync(() => new FileInfo(path).Length >= RecordingSpool.HeaderBytes + samples * 4 ? path : null);
        return path;
    }

    /// <summary>Re-checks a condition each time the sidecar reports a level (about 20 Hz while listening) or 20 ms pass; 20 s bound.</summary>
    private static async Task<T> PollAsync<T>(Func<T?> probe) where T : class
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            if (probe() is { } found)
                return found;
            await Task.Delay(20, cts.Token); // polling a file the sidecar writes: no event exists for "bytes reached the disk"
        }
    }

    [Fact]
    public async Task A_dictation_is_spooled_while_listening_and_its_file_is_gone_once_the_text_is_out()
    {
        await using var sidecar = await StartAsync();
        var start = await sidecar.CallAsync<JsonElement>(M.DictationStart, RealtimeSource(_audio.Tone(3.0)));
        var id = start.GetProperty("dictationId").GetString();

        var spool = await WaitForSpoolAsync(8000);
        var copy = Path.Combine(_audio.Folder, "copy.wav");
        // Read as another program would: .NET's own File.Copy honours the spool's exclusive lock, cp does not.
        Assert.Equal(0, RunQuietly("cp", spool, copy).Code);
        var partial = WavDecoder.ReadMono16k(copy); // valid WAV mid-dictation: header sizes patched as it grows
        Assert.True(partial.Length >= 8000, $"spooled {partial.Length} samples");
        Assert.Empty((await sidecar.CallAsync<JsonElement>(M.RecordingsList)).GetProperty("recordings").EnumerateArray()); // in use: not a leftover
        // Held by this process: refused at once, not retried as if another process held the lock.
        var running = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = spool }));
        Assert.Equal(WisprErrorCodes.InvalidState, running.ErrorCode);

        var result = await sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
        Assert.StartsWith("heard ", result.GetProperty("rawText").GetString());
        Assert.Empty(Wavs());
    }

    /// <summary>A file dictation that confirms delivery, stopped once its source has played: its id and the stop's answer.</summary>
    private async Task<(string Id, JsonElement Result)> DictateConfirmingAsync(InMemorySidecar sidecar, double seconds)
    {
        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = _audio.Tone(seconds), realtime = false }, confirmDelivery = true });
        return (id, await sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id }));
    }

    [Fact]
    public async Task With_confirmDelivery_the_recording_outlives_the_answer_until_the_client_says_it_has_the_text()
    {
        await using var sidecar = await StartAsync();
        var (id, result) = await DictateConfirmingAsync(sidecar, 1.0);
        Assert.StartsWith("heard ", result.GetProperty("rawText").GetString());

        // Answered, not confirmed: the words are still on disk, whole, and held (not offered as a leftover while on their way).
        var held = Assert.Single(Wavs());
        Assert.Contains(id, Path.GetFileName(held), StringComparison.Ordinal);
        Assert.Equal(16000 * 4 + RecordingSpool.HeaderBytes, new FileInfo(held).Length);
        Assert.Empty((await sidecar.CallAsync<JsonElement>(M.RecordingsList)).GetProperty("recordings").EnumerateArray());
        var onItsWay = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.TranscribeFile, new { path = held }));
        Assert.Equal(WisprErrorCodes.InvalidState, onItsWay.ErrorCode);

        // A confirmation for an unknown id (another process's, a typo) is harmless.
        Assert.False((await sidecar.CallAsync<JsonElement>(M.DictationDelivered, new { dictationId = "d999" })).GetProperty("deleted").GetBoolean());
        Assert.Single(Wavs());
        var missing = await Assert.ThrowsAsync<RemoteMethodNotFoundException>(() => sidecar.CallAsync<JsonElement>(M.DictationDelivered, new { }));
        Assert.Equal(WisprErrorCodes.InvalidParams, (int)missing.ErrorCode);

        Assert.True((await sidecar.CallAsync<JsonElement>(M.DictationDelivered, new { dictationId = id })).GetProperty("deleted").GetBoolean());
        Assert.Empty(Wavs());
        Assert.False((await sidecar.CallAsync<JsonElement>(M.DictationDelivered, new { dictationId = id })).GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task An_answered_but_unconfirmed_recording_is_kept_at_shutdown_and_listed_by_the_next_sidecar()
    {
        var sidecar = await StartAsync();
        var (id, _) = await DictateConfirmingAsync(sidecar, 1.0);
        await sidecar.DisposeAsync(); // the extension host died with the text: stdin closes, the host stops

        var kept = Assert.Single(Wavs());
        await using var next = await StartAsync();
        var recording = Assert.Single((await next.CallAsync<JsonElement>(M.RecordingsList)).GetProperty("recordings").EnumerateArray().ToList());
        Assert.Equal(kept, recording.GetProperty("path").GetString());
        Assert.Contains(id, recording.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(1000, recording.GetProperty("durationMs").GetInt64());
    }

    [Fact]
    public async Task Unconfirmed_recordings_do_not_pile_up_in_a_running_sidecar()
    {
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var held = new Wispr.Sidecar.Dictation.UndeliveredRecordings(logger);
        var spools = Enumerable.Range(1, Wispr.Sidecar.Dictation.UndeliveredRecordings.MaxHeld + 1).Select(i =>
        {
            var spool = RecordingSpool.Create(Path.Combine(_recordings, $"dictation-d{i}.wav"));
            spool.Write(new float[4000]);
            Assert.True(spool.Seal());
            held.Hold($"d{i}", spool);
            return spool;
        }).ToList();
        var store = new RecordingStore(new SidecarOptions { RecordingsDirectory = _recordings }, Microsoft.Extensions.Logging.Abstractions.NullLogger<RecordingStore>.Instance);

        // One over the bound: the oldest is closed and becomes a leftover for recovery; the rest stay held.
        Assert.Equal(Wispr.Sidecar.Dictation.UndeliveredRecordings.MaxHeld, held.Count);
        Assert.Equal("dictation-d1.wav", Assert.Single(store.List()).Id);
        Assert.False(held.Delivered("d1"));
        Assert.True(held.Delivered("d2"));
        Assert.False(File.Exists(spools[1].Path));
        held.ReleaseAll();
        Assert.Equal(Wispr.Sidecar.Dictation.UndeliveredRecordings.MaxHeld, store.List().Count);
    }

    [Fact]
    public async Task Shutdown_mid_dictation_keeps_a_valid_recording_which_the_next_sidecar_lists_and_deletes()
    {
        var sidecar = await StartAsync();
        await sidecar.CallAsync<JsonElement>(M.DictationStart, RealtimeSource(_audio.Tone(20.0)));
        await WaitForSpoolAsync(16000);
        await sidecar.DisposeAsync(); // the host stops as on EOF or shutdown

        var kept = Assert.Single(Wavs());
        var samples = WavDecoder.ReadMono16k(kept);
        Assert.True(samples.Length >= 16000);
        Assert.Contains(samples, s => Math.Abs(s) > 0.1f); // the tone, not zeros

        await using var next = await StartAsync();
        var list = await next.CallAsync<JsonElement>(M.RecordingsList);
        Assert.Equal(_recordings, list.GetProperty("folder").GetString());
        var recording = Assert.Single(list.GetProperty("recordings").EnumerateArray().ToList());
        Assert.Equal(kept, recording.GetProperty("path").GetString());
        Assert.Equal(samples.Length * 1000L / 16000, recording.GetProperty("durationMs").GetInt64());

        var transcript = await next.CallAsync<JsonElement>(M.TranscribeFile, new { path = kept });
        Assert.Equal($"heard {samples.Length} samples", transcript.GetProperty("rawText").GetString());
        var deleted = await next.CallAsync<JsonElement>(M.RecordingsDelete, new { id = recording.GetProperty("id").GetString() });
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Empty(Wavs());
    }

    [Fact]
    public async Task A_recording_cut_off_between_a_block_and_its_size_patch_is_repaired_when_listed()
    {
        // What a kill -9 can leave: samples past the declared data size, and half a sample at the end.
        var path = Path.Combine(_recordings, "dictation-killed.wav");
        var samples = Enumerable.Range(0, 8000).Select(i => 0.25f * MathF.Sin(i / 5f)).ToArray();
        using (var f = File.Create(path))
        {
            f.Write(RecordingSpool.Header(4000 * 4));
            f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.AsSpan()));
            f.Write([1, 2]);
        }
        var store = new RecordingStore(new SidecarOptions { RecordingsDirectory = _recordings }, Microsoft.Extensions.Logging.Abstractions.NullLogger<RecordingStore>.Instance);

        var listed = Assert.Single(store.List());
        Assert.Equal(500, listed.DurationMs);
        Assert.Equal(samples, WavDecoder.ReadMono16k(path));
    }

    [Fact]
    public async Task A_recording_held_open_by_a_live_sidecar_is_not_a_leftover()
    {
        var store = new RecordingStore(new SidecarOptions { RecordingsDirectory = _recordings }, Microsoft.Extensions.Logging.Abstractions.NullLogger<RecordingStore>.Instance);
        using var live = RecordingSpool.Create(Path.Combine(_recordings, "dictation-live.wav"));
        live.Write(new float[4000]);
        Assert.Empty(store.List());
        live.Keep();
        Assert.Single(store.List());
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Cancel_discards_the_recording()
    {
        await using var sidecar = await StartAsync();
        await sidecar.CallAsync<JsonElement>(M.DictationStart, RealtimeSource(_audio.Tone(20.0)));
        await WaitForSpoolAsync(1600);
        await sidecar.CallAsync<JsonElement>(M.DictationCancel);
        Assert.Empty(Wavs());
    }

    [Fact]
    public async Task A_failed_recognition_keeps_the_spooled_file_and_names_it()
    {
        var corrupt = _audio.Text("corrupt", "corrupt.bin");
        await using var sidecar = await StartAsync(model: corrupt);
        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = _audio.Tone(1.0), realtime = false } });
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id }));
        Assert.Equal(WisprErrorCodes.ModelInvalid, ex.ErrorCode);
        var kept = Assert.Single(Wavs());
        Assert.Contains(kept, ex.Message);
        Assert.Equal(16000, WavDecoder.ReadMono16k(kept).Length);
    }

    [Fact]
    public async Task An_unsavable_recording_is_reported_at_start_and_on_failure_and_leaves_no_file()
    {
        // A folder under a regular file can never be created, whoever runs the test (root ignores chmod, not this).
        var blocker = _audio.Text("a file, not a folder", "blocker");
        var folder = Path.Combine(blocker, "recordings");
        var corrupt = _audio.Text("corrupt", "corrupt.bin");
        await using var sidecar = await StartAsync(recordings: folder, model: corrupt);

        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = _audio.Tone(1.0), realtime = false } });
        var unsaved = await sidecar.WaitForNotificationAsync(M.DictationRecordingUnsaved, p => p.GetProperty("dictationId").GetString() == id);
        Assert.Contains(folder, unsaved.GetProperty("error").GetString());

        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id }));
        Assert.Equal(WisprErrorCodes.ModelInvalid, ex.ErrorCode);
        Assert.Contains("could not be saved", ex.Message);
        Assert.Contains("words could not be kept", ex.Message);
        Assert.False(Directory.Exists(folder));
    }

    [TinyTmpfsFact]
    public async Task A_full_disk_mid_dictation_deletes_the_truncated_file_says_so_and_still_transcribes_from_memory()
    {
        var mount = Path.Combine(_recordings, "tiny");
        Directory.CreateDirectory(mount);
        Assert.True(TryMountTinyTmpfs(mount, out var why), why);
        try
        {
            await using var sidecar = await StartAsync(recordings: mount);
            // 3 s of float32 audio is 192 KB: the 64 KiB tmpfs fills after about one second.
            var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = _audio.Tone(3.0), realtime = false } });
            var unsaved = await sidecar.WaitForNotificationAsync(M.DictationRecordingUnsaved, p => p.GetProperty("dictationId").GetString() == id);
            Assert.NotNull(unsaved.GetProperty("error").GetString());
            Assert.Empty(Wavs(mount)); // no truncated WAV left behind

            var result = await sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id });
            Assert.Equal("heard 48000 samples", result.GetProperty("rawText").GetString());
        }
        finally
        {
            RunQuietly("umount", mount);
        }
    }

    internal static bool TryMountTinyTmpfs(string path, out string why)
    {
        if (!OperatingSystem.IsLinux())
        {
            why = "not Linux";
            return false;
        }
        var (code, output) = RunQuietly("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", path);
        why = code == 0 ? "" : $"mount exited {code}: {output.Trim()}";
        return code == 0;
    }

    internal static (int Code, string Output) RunQuietly(string program, params string[] args)
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args)
                psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var output = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    [Fact]
    public async Task Pipelined_starts_and_cancels_answer_a_dictation_or_InvalidState_never_an_internal_error()
    {
        await using var sidecar = await StartAsync();
        var wav = _audio.Tone(30.0);
        var calls = new List<Task<JsonElement>>();
        for (var i = 0; i < 200; i++)
        {
            calls.Add(sidecar.CallAsync<JsonElement>(M.DictationStart, RealtimeSource(wav)));
            calls.Add(sidecar.CallAsync<JsonElement>(M.DictationCancel));
        }
        var codes = new List<int>();
        foreach (var call in calls)
        {
            try
            {
                await call;
            }
            catch (RemoteInvocationException ex)
            {
                codes.Add(ex.ErrorCode);
            }
        }
        Assert.All(codes, c => Assert.Equal(WisprErrorCodes.InvalidState, c));
        await sidecar.CallAsync<JsonElement>(M.DictationCancel);
    }

    [Fact]
    public async Task No_words_from_speech_is_NoWordsRecognized_with_the_recording_kept_not_heard_no_speech()
    {
        await using var sidecar = await StartAsync(new PunctuationOnlyProvider());
        var (id, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = RepoPaths.JfkWav, realtime = false } });
        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id }));
        Assert.Equal(WisprErrorCodes.NoWordsRecognized, ex.ErrorCode);
        Assert.Contains("produced no words", ex.Message);
        Assert.Contains(Assert.Single(Wavs()), ex.Message);

        // A silent-but-not-digital-zero recording with no words stays an ordinary empty transcript: the VAD hears nothing.
        var hum = _audio.Write("hum.wav", Enumerable.Range(0, 32000).Select(i => 0.01f * MathF.Sin(i * 0.05f)).ToArray());
        var (id2, _) = await sidecar.StartUntilSourceEndsAsync(new { source = new { kind = "wavFile", path = hum, realtime = false } });
        var quiet = await sidecar.CallAsync<JsonElement>(M.DictationStop, new { dictationId = id2 });
        Assert.Equal("", quiet.GetProperty("text").GetString());
    }

    /// <summary>A model that "loads but yields only punctuation", as NaN weights do.</summary>
    private sealed class PunctuationOnlyProvider() : ScriptedBackendProvider("punctuation only")
    {
        protected override async IAsyncEnumerable<TranscriptSegment> Transcribe(ReadOnlyMemory<float> pcm16kMono,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new TranscriptSegment(TimeSpan.Zero, TimeSpan.FromSeconds(1), " . !");
        }
    }
}

/// <summary>Runs only where a 64 KiB tmpfs can be mounted (root on Linux, as in CI); otherwise skipped, saying why.</summary>
public sealed class TinyTmpfsFactAttribute : FactAttribute
{
    public TinyTmpfsFactAttribute()
    {
        var probe = Directory.CreateTempSubdirectory("wispr-tmpfs-probe-").FullName;
        try
        {
            if (RecordingSpoolTests.TryMountTinyTmpfs(probe, out var why))
                RecordingSpoolTests.RunQuietly("umount", probe);
            else
                Skip = $"cannot mount a 64 KiB tmpfs here ({why}); the unsavable-folder case still runs";
        }
        finally
        {
            Directory.Delete(probe);
        }
    }
}
