using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Dictation;

/// <summary>
/// Owns the dictation stage (Idle → Listening → Transcribing → Idle) and the capture buffer. One dictation at a time;
/// start, stop and cancel are serialized on one lock so key presses cannot race.
/// </summary>
public sealed class DictationService : IAsyncDisposable
{
    private const int MinSpeechSamples = WavDecoder.SampleRate / 10; // under 100 ms nobody said anything
    private const float SilencePeak = 1e-3f; // -60 dBFS: below this the input is muted or disconnected

    private readonly BackendHost _backends;
    private readonly CleanupPipeline _cleanup;
    private readonly IAudioSourceFactory _sources;
    private readonly SidecarEvents _events;
    private readonly ILogger<DictationService> _logger;
    private readonly CaptureBuffer _buffer;
    private readonly object _gate = new();
    private DictationState _state = DictationState.Idle;
    private Session? _session;
    private int _nextId;

    private readonly VadProvider _vad;
    private readonly RecordingStore _recordings;

    public DictationService(BackendHost backends, IAudioSourceFactory sources, VadProvider vad, SidecarEvents events, SidecarOptions options,
        CleanupPipeline cleanup, RecordingStore recordings, ILogger<DictationService> logger)
    {
        _recordings = recordings;
        _backends = backends;
        _cleanup = cleanup;
        _sources = sources;
        _vad = vad;
        _events = events;
        _logger = logger;
        _buffer = new CaptureBuffer(checked(options.MaxRecordingSeconds * WavDecoder.SampleRate));
    }

    public DictationState State { get { lock (_gate) return _state; } }

    public string? CurrentDictationId { get { lock (_gate) return _session?.Id; } }

    /// <summary>The running dictation's recording file, if it has one.</summary>
    public string? CurrentRecordingPath { get { lock (_gate) return _session?.Spool?.Path; } }

    /// <summary>For diagnostics and tests: the capture buffer's capacity must not grow across equal recordings.</summary>
    public int CaptureCapacitySamples => _buffer.Capacity;

    /// <summary>Recordings longer than this get a <see cref="LimitApproaching"/> warning this long before the cut.</summary>
    public static readonly TimeSpan LimitWarningLead = TimeSpan.FromSeconds(30);

    public async Task<string> StartAsync(StartDictationRequest request, CancellationToken cancellationToken)
    {
        ThrowIfNotIdle(); // a second start must not even open the microphone
        // No model, no recording: a user must not speak a sentence only to hear afterwards that nothing could transcribe it.
        await _backends.EnsureModelObtainableAsync(cancellationToken).ConfigureAwait(false);
        SileroVadStream? vad = null;
        SpeechTracker? speech = null;
        if (request.Vad is { Enabled: true } vadSpec)
        {
            int silenceMs = vadSpec.SilenceMs is > 0 ? vadSpec.SilenceMs.Value : VadSpec.DefaultSilenceMs;
            var model = await Task.Run(_vad.Get, cancellationToken).ConfigureAwait(false); // loads once per process (~20 ms)
            vad = model.CreateStream();
            speech = new SpeechTracker(silenceMs);
        }
        // Open the source before touching state: a missing file or microphone fails the call and leaves the service idle.
        var source = await _sources.CreateAsync(request.Source, cancellationToken).ConfigureAwait(false);
        long limitSamples = _buffer.MaxSamples;
        if (request.MaxDurationMs is > 0)
            limitSamples = Math.Min(limitSamples, request.MaxDurationMs.Value * WavDecoder.SampleRate / 1000);
        long lead = Math.Min((long)LimitWarningLead.TotalSeconds * WavDecoder.SampleRate, limitSamples / 2);
        Session session;
        lock (_gate)
        {
            if (_state != DictationState.Idle)
            {
                _ = DisposeQuietlyAsync(source); // no await under the lock; the task observes its own failure
                throw NotIdleLocked();
            }
            session = new Session($"d{Interlocked.Increment(ref _nextId)}", source, request)
            {
                Vad = vad,
                Speech = speech,
                LimitSamples = (int)limitSamples,
                WarnAtSamples = (int)(limitSamples - lead),
            };
            session.Level = new LevelMeter(l => _events.RaiseAudioLevel(new AudioLevelEvent(session.Id, l.Rms, l.Peak, l.SilentMs)));
            _session = session;
            _buffer.Reset();
            SetStateLocked(DictationState.Listening, session.Id);
        }
        // Spooled to disk from the first sample, so the words survive a crash of this process; without a file the
        // dictation still runs (in memory) and the client is told its words could not be kept on disk.
        session.Spool = _recordings.TryStartSpool(session.Id, out var spoolError);
        if (spoolError is not null)
            _events.RaiseRecordingUnsaved(new RecordingUnsaved(session.Id, spoolError));
        _logger.LogInformation("Dictation {Id} listening on {Source}{HandsFree}", session.Id, source.Description,
            speech is null ? "" : $" (hands-free, ends after {speech.SilenceMs} ms of silence)");
        session.Capture = Task.Run(() => CaptureAsync(session), CancellationToken.None);
        // Load the model while the user talks, so stop pays only for recognition.
        _ = Task.Run(() => PrepareQuietlyAsync(session.Id), CancellationToken.None);
        return session.Id;
    }

    private void ThrowIfNotIdle()
    {
        lock (_gate)
        {
            if (_state != DictationState.Idle)
                throw NotIdleLocked();
        }
    }

    // A cancel detaches the session before its capture has ended (state still Listening, _session already null), so
    // the session may be gone here: that is "still ending", never a NullReferenceException.
    private WisprException NotIdleLocked() => new(WisprErrorCodes.InvalidState,
        _state == DictationState.Listening
            ? _session is { } running
                ? $"A dictation is already running ({running.Id}); stop or cancel it first."
                : "The previous dictation is still ending; try again in a moment."
            : "The previous dictation is still being transcribed; try again when it finishes.");

    /// <param name="context">
    /// The dictation's context when the client collected it while the user spoke (symbols, dictionary); it replaces the one
    /// sent with the start, which the client keeps small so that capture starts at once. Null keeps the start's.
    /// </param>
    public async Task<TranscriptResult> StopAsync(string? dictationId, DictationContext? context, CancellationToken cancellationToken)
    {
        var stopClock = Stopwatch.StartNew();
        Session session;
        lock (_gate)
        {
            if (_state != DictationState.Listening || _session is null)
                throw new WisprException(WisprErrorCodes.InvalidState,
                    _state == DictationState.Transcribing ? "This dictation is already being transcribed." : "No dictation is running; start one first.");
            if (dictationId is not null && dictationId != _session.Id)
                throw new WisprException(WisprErrorCodes.InvalidState, $"Dictation {dictationId} is not the running one ({_session.Id}).");
            session = _session;
            SetStateLocked(DictationState.Transcribing, session.Id);
        }

        try
        {
            await EndCaptureAsync(session).ConfigureAwait(false);
            if (_buffer.DroppedSamples > 0)
                _logger.LogWarning("Dictation {Id} reached the {Max} s recording limit; {Dropped} s after it were not kept",
                    session.Id, _buffer.MaxSamples / WavDecoder.SampleRate, _buffer.DroppedSamples / WavDecoder.SampleRate);
            (int Start, int End)? keep = null;
            if (session.Speech is { } speech)
            {
                // Hands-free: Whisper gets the speech and a little around it, never the silence before and after.
                int total = _buffer.Count;
                keep = speech.SpeechRange(total);
                if (keep is null)
                {
                    _buffer.Reset();
                    session.Spool?.Delete();
                    throw new WisprException(WisprErrorCodes.NoSpeech,
                        $"No speech was detected in {total / WavDecoder.SampleRate:0.0} s of audio; nothing to transcribe. Is the right microphone selected?");
                }
                _logger.LogInformation("Dictation {Id}: speech {Start}–{End} ms of {Total} ms kept for recognition", session.Id,
                    keep.Value.Start * 1000L / WavDecoder.SampleRate, keep.Value.End * 1000L / WavDecoder.SampleRate, total * 1000L / WavDecoder.SampleRate);
            }
            var audio = _buffer.TakeAndReset(keep); // the pipeline's one copy; the buffer keeps its capacity for next time
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.Cancel.Token);
            var (options, finalContext) = context is null ? (session.Options, session.Request.Context)
                : (DictationWire.ToOptions(session.Request.Language, session.Request.Prompt, context), context);
            var result = await TranscribeAsync(audio, options, finalContext, session.Id, stopClock, session, linked.Token).ConfigureAwait(false);
            // The words are in the reply; the extension records every transcript in its history before inserting it.
            session.Spool?.Delete();
            return result;
        }
        catch (OperationCanceledException) when (session.Cancel.IsCancellationRequested)
        {
            if (session.KeepRecording)
                throw new WisprException(WisprErrorCodes.Cancelled,
                    $"Dictation {session.Id} was interrupted by the sidecar shutting down; its recording was kept at {session.Spool?.Keep()}.");
            session.Spool?.Delete();
            throw new WisprException(WisprErrorCodes.Cancelled, $"Dictation {session.Id} was cancelled.");
        }
        catch (OperationCanceledException)
        {
            // The client gave up on this stop ($/cancelRequest): the user discarded it.
            session.Spool?.Delete();
            throw;
        }
        catch (WisprException ex) when (ex.Code == WisprErrorCodes.NoSpeech)
        {
            session.Spool?.Delete(); // nothing was said: nothing to keep
            throw;
        }
        finally
        {
            lock (_gate)
            {
                _session = null;
                SetStateLocked(DictationState.Idle, session.Id, session.Cancel.IsCancellationRequested ? "cancelled" : null);
            }
            session.Dispose();
        }
    }

    /// <summary>Discards the running dictation (listening or transcribing). Returns false when none was running.</summary>
    public Task<bool> CancelAsync(string? dictationId) => CancelAsync(dictationId, keepRecording: false);

    /// <param name="keepRecording">Shutdown (EOF, window reload): end the dictation but keep its recording for recovery.</param>
    private async Task<bool> CancelAsync(string? dictationId, bool keepRecording)
    {
        Session session;
        bool wasListening;
        lock (_gate)
        {
            if (_session is null || (dictationId is not null && dictationId != _session.Id))
                return false;
            session = _session;
            wasListening = _state == DictationState.Listening;
            session.KeepRecording = keepRecording;
            session.Cancel.Cancel();
            if (wasListening)
                _session = null;
        }
        if (wasListening)
        {
            await EndCaptureAsync(session).ConfigureAwait(false);
            _buffer.Reset();
            if (session.KeepRecording)
            {
                var kept = session.Spool?.Keep();
                _logger.LogWarning("Dictation {Id} interrupted by shutdown; its recording was kept at {Path}", session.Id, kept ?? "(nowhere: it could not be saved)");
            }
            else
                session.Spool?.Delete();
            lock (_gate)
                SetStateLocked(DictationState.Idle, session.Id, session.KeepRecording ? "shutdown" : "cancelled");
            session.Dispose();
        }
        // When transcribing, StopAsync sees the cancellation, answers Cancelled and returns to idle itself.
        if (!keepRecording)
            _logger.LogInformation("Dictation {Id} cancelled", session.Id);
        return true;
    }

    /// <summary>Transcribes a whole file at full speed; independent of the dictation stage except for sharing the backend.</summary>
    public async Task<TranscriptResult> TranscribeFileAsync(string path, string? language, string? prompt, DictationContext? context,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var audio = await Task.Run(() => WavDecoder.ReadMono16k(path, (int)(_buffer.MaxSamples / WavDecoder.SampleRate)), cancellationToken).ConfigureAwait(false);
        return await TranscribeAsync(audio, DictationWire.ToOptions(language, prompt, context), context, null, clock, session: null, cancellationToken).ConfigureAwait(false);
    }

    /// <param name="session">The dictation whose recording is kept when recognition fails; null for a file (which is on disk already).</param>
    private async Task<TranscriptResult> TranscribeAsync(float[] audio, TranscribeOptions options, DictationContext? context, string? dictationId,
        Stopwatch clock, Session? session, CancellationToken cancellationToken)
    {
        var raw = await RecognizeAsync(audio, options, dictationId, clock, session, cancellationToken).ConfigureAwait(false);
        // Outside the backend lock: an LLM round trip must not hold up a backend switch. Never throws but for cancellation.
        var cleaned = await _cleanup.CleanAsync(raw.RawText, context, cancellationToken).ConfigureAwait(false);
        var result = raw with
        {
            Text = cleaned.Text,
            Cleanup = cleaned.Info,
            Timings = raw.Timings with { StopToTextMs = clock.ElapsedMilliseconds, CleanupMs = cleaned.ElapsedMs },
        };
        _logger.LogInformation("Cleanup {Requested} → {Path} in {Ms} ms{Fallback}", cleaned.Info.Requested, cleaned.Info.Path, cleaned.ElapsedMs,
            cleaned.Info.FallbackReason is { } reason ? $" (fallback: {reason})" : "");
        return result;
    }

    private async Task<TranscriptResult> RecognizeAsync(float[] audio, TranscribeOptions options, string? dictationId, Stopwatch clock,
        Session? session, CancellationToken cancellationToken)
    {
        var durationMs = (long)audio.Length * 1000 / WavDecoder.SampleRate;
        if (audio.Length < MinSpeechSamples)
            throw new WisprException(WisprErrorCodes.NoSpeech, $"The recording is empty ({durationMs} ms of audio); nothing to transcribe.");
        float peak = 0;
        foreach (var s in audio)
            peak = Math.Max(peak, Math.Abs(s));
        if (peak < SilencePeak)
            throw new WisprException(WisprErrorCodes.NoSpeech,
                $"The recording is silent ({durationMs / 1000.0:0.0} s, peak {20 * Math.Log10(Math.Max(peak, 1e-9)):0} dBFS): is the microphone muted or the wrong one?");

        try
        {
            var recognized = await _backends.UseAsync(async (backend, loadMs) =>
            {
                var asrClock = Stopwatch.StartNew();
                var segments = new List<SegmentResult>();
                await foreach (var segment in backend.TranscribeAsync(audio, options, cancellationToken).ConfigureAwait(false))
                {
                    if (string.IsNullOrWhiteSpace(segment.Text))
                        continue;
                    // whisper.cpp pads every window to 30 s and can put a timestamp in the padding; the words are
                    // still the user's, only the time is bounded to the audio that exists.
                    long start = Math.Clamp((long)segment.Start.TotalMilliseconds, 0, durationMs);
                    long end = Math.Clamp((long)segment.End.TotalMilliseconds, start, durationMs);
                    segments.Add(new SegmentResult(start, end, segment.Text.Trim()));
                }
                var text = string.Join(' ', segments.Select(s => s.Text)).Trim();
                var result = new TranscriptResult(dictationId, text, segments, durationMs, backend.Name, backend.ModelPath,
                    new TranscriptTimings(clock.ElapsedMilliseconds, asrClock.ElapsedMilliseconds, loadMs), RawText: text,
                    Cleanup: new CleanupInfo(CleanupModes.Off, CleanupPaths.Raw, null, null, 0, null));
                _logger.LogInformation("Transcribed {Ms} ms of audio with {Backend} in {Asr} ms ({Total} ms stop-to-text, load {Load} ms)",
                    durationMs, backend.Name, result.Timings.AsrMs, result.Timings.StopToTextMs, loadMs);
                return result;
            }, cancellationToken).ConfigureAwait(false);
            // No words from audio with speech in it is a broken model (NaN weights give punctuation or nothing after a
            // long decode), not silence: say so, and keep the recording, instead of "heard no speech".
            if (!recognized.RawText.Any(char.IsLetterOrDigit)
                && await Task.Run(() => VadHearsSpeech(audio), cancellationToken).ConfigureAwait(false))
                throw new WisprException(WisprErrorCodes.NoWordsRecognized,
                    $"The {recognized.Backend} model ({Path.GetFileName(recognized.ModelPath)}) produced no words " +
                    (recognized.RawText.Length > 0 ? $"(only \"{recognized.RawText}\") " : "") +
                    $"from {durationMs / 1000.0:0.0} s of audio that contains speech: the model file may be damaged (NaN weights) or unsuited; try another model.");
            return recognized;
        }
        catch (Exception ex) when (session is not null && ex is not OperationCanceledException)
        {
            // The words must not be lost with the model: keep the audio on disk and say where.
            var saved = KeepRecording(session, audio, out var saveError);
            var message = ex is WisprException w ? w.Message : $"Transcription failed: {ex.Message}";
            message += saved is not null
                ? $" The recording was saved to {saved}; transcribe it with \"Wispr: Transcribe WAV File\" once fixed."
                : $" The recording could not be saved ({saveError}), so these words could not be kept.";
            throw new WisprException(ex is WisprException we ? we.Code : WisprErrorCodes.TranscriptionFailed, message, ex);
        }
        catch (Exception ex) when (ex is not WisprException and not OperationCanceledException)
        {
            throw new WisprException(WisprErrorCodes.TranscriptionFailed, $"Transcription failed: {ex.Message}", ex);
        }
    }

    /// <summary>The spooled file when it is whole; else a fresh save of what recognition got. Null (with why) when neither can be had.</summary>
    private string? KeepRecording(Session session, float[] audio, out string? error)
    {
        if (session.Spool?.Keep() is { } spooled)
        {
            error = null;
            return spooled;
        }
        var saved = _recordings.TrySave(audio, session.Id, out error);
        if (saved is null && session.Spool?.Error is { } spoolError)
            error = $"{error}; spooling had failed earlier: {spoolError}";
        return saved;
    }

    /// <summary>Whether the Silero VAD hears at least 96 ms of speech; false when the VAD cannot run (then nothing contradicts the recogniser).</summary>
    private bool VadHearsSpeech(float[] audio)
    {
        try
        {
            var tracker = new SpeechTracker(int.MaxValue);
            _vad.Get().CreateStream().Accept(audio, p => tracker.Add(p));
            return tracker.HeardSpeech;
        }
        catch (WisprException ex)
        {
            _logger.LogWarning("No speech check for an empty transcript: {Message}", ex.Message);
            return false;
        }
    }

    private async Task CaptureAsync(Session session)
    {
        try
        {
            await session.Source.RunAsync(new SessionSink(this, session), session.StopCapture.Token).ConfigureAwait(false);
            if (session.AutoEndReason is { } reason)
            {
                _logger.LogInformation("Dictation {Id}: capture ended by itself ({Reason})", session.Id, reason);
                _events.RaiseSourceEnded(new SourceEnded(session.Id, CapturedMs(), null, reason));
            }
            else if (!session.StopCapture.IsCancellationRequested)
            {
                _logger.LogInformation("Dictation {Id}: audio source ended", session.Id);
                _events.RaiseSourceEnded(new SourceEnded(session.Id, CapturedMs(), null, SourceEndReasons.End));
            }
        }
        catch (Exception ex)
        {
            // Keep what was captured: stop still transcribes it.
            _logger.LogError("Dictation {Id}: audio source failed after {Ms} ms: {Message}", session.Id, CapturedMs(), ex.Message);
            _events.RaiseSourceEnded(new SourceEnded(session.Id, CapturedMs(), ex.Message, SourceEndReasons.Error,
                ex is WisprException w ? w.Code : WisprErrorCodes.AudioSourceFailed));
        }
    }

    private long CapturedMs() => (long)_buffer.Count * 1000 / WavDecoder.SampleRate;

    /// <summary>Everything captured passes here: into the buffer, the level meter, the VAD, and the length check.</summary>
    private sealed class SessionSink(DictationService owner, Session session) : IAudioSink
    {
        public void Write(ReadOnlySpan<float> samples)
        {
            if (session.AutoEndReason is not null)
                return; // ended (limit or silence): nothing after the end belongs to this dictation
            owner._buffer.Write(samples);
            if (session.Spool is { } spool)
            {
                var failedBefore = spool.Error is not null;
                spool.Write(samples);
                if (!failedBefore && spool.Error is { } error)
                {
                    owner._logger.LogError("Dictation {Id}: its recording can no longer be kept on disk ({Error}); it lives in memory only", session.Id, error);
                    owner._events.RaiseRecordingUnsaved(new RecordingUnsaved(session.Id, $"{spool.Path}: {error}"));
                }
            }
            session.Level?.Write(samples);
            if (session.Vad is { } vad && session.Speech is { } speech)
                vad.Accept(samples, p =>
                {
                    if (speech.Add(p))
                        AutoEnd(SourceEndReasons.Silence);
                });
            int count = owner._buffer.Count;
            if (!session.LimitWarned && count >= session.WarnAtSamples)
            {
                session.LimitWarned = true;
                long maxMs = (long)session.LimitSamples * 1000 / WavDecoder.SampleRate;
                long capturedMs = (long)count * 1000 / WavDecoder.SampleRate;
                owner._logger.LogWarning("Dictation {Id}: {Remaining} ms left before the {Max} ms limit", session.Id, maxMs - capturedMs, maxMs);
                owner._events.RaiseLimitApproaching(new LimitApproaching(session.Id, capturedMs, maxMs, maxMs - capturedMs));
            }
            if (count >= session.LimitSamples)
                AutoEnd(SourceEndReasons.Limit);
        }

        private void AutoEnd(string reason)
        {
            if (session.AutoEndReason is not null)
                return;
            session.AutoEndReason = reason;
            session.StopCapture.Cancel();
        }
    }

    private static async Task EndCaptureAsync(Session session)
    {
        session.StopCapture.Cancel();
        if (session.Capture is { } capture)
            await capture.ConfigureAwait(false); // never throws: CaptureAsync handles its own failures
        await session.Source.DisposeAsync().ConfigureAwait(false);
    }

    private async Task DisposeQuietlyAsync(IAudioSource source)
    {
        try
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Closing the unused audio source {Source} failed: {Message}", source.Description, ex.Message);
        }
    }

    private async Task PrepareQuietlyAsync(string dictationId)
    {
        try
        {
            await _backends.PrepareAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Reported to the user by stop, with the recording kept; here it is only worth a log line.
            _logger.LogWarning("Preparing the backend during dictation {Id} failed: {Message}", dictationId, ex.Message);
        }
    }

    private void SetStateLocked(DictationState state, string? id, string? reason = null)
    {
        var previous = _state;
        _state = state;
        _events.RaiseDictationStateChanged(new DictationStateChange(id, state, previous, reason));
    }

    public async ValueTask DisposeAsync()
    {
        Session? session;
        lock (_gate)
            session = _session;
        // Shutdown or a closed stdin mid-dictation: the dictation ends, its recording stays on disk for recovery.
        if (session is not null)
            await CancelAsync(session.Id, keepRecording: true).ConfigureAwait(false);
    }

    private sealed class Session(string id, IAudioSource source, StartDictationRequest request) : IDisposable
    {
        public StartDictationRequest Request { get; } = request;
        public string Id { get; } = id;
        public IAudioSource Source { get; } = source;
        public TranscribeOptions Options { get; } = DictationWire.ToOptions(request.Language, request.Prompt, request.Context);
        public CancellationTokenSource StopCapture { get; } = new();
        public CancellationTokenSource Cancel { get; } = new();
        public Task? Capture { get; set; }
        public LevelMeter? Level { get; set; }
        public SileroVadStream? Vad { get; init; }
        public SpeechTracker? Speech { get; init; }
        public int LimitSamples { get; init; } = int.MaxValue;
        public int WarnAtSamples { get; init; } = int.MaxValue;
        public bool LimitWarned { get; set; }
        /// <summary>The recording file being written as audio arrives; null when the folder could not take one.</summary>
        public RecordingSpool? Spool { get; set; }
        /// <summary>Set by shutdown: the dictation ends but its recording is kept for recovery.</summary>
        public volatile bool KeepRecording;
        /// <summary>Set (once) when capture ended itself: <see cref="SourceEndReasons.Limit"/> or <see cref="SourceEndReasons.Silence"/>.</summary>
        public volatile string? AutoEndReason;

        public void Dispose()
        {
            Spool?.Dispose(); // closes without deleting: whatever path got here undecided keeps the words
            StopCapture.Dispose();
            Cancel.Dispose();
        }
    }
}
