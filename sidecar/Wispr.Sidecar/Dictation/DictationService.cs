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
    private CaptureSession? _session;
    private int _nextId;

    private readonly VadProvider _vad;
    private readonly RecordingStore _recordings;
    private readonly UndeliveredRecordings _undelivered;
    private readonly bool _legacySegments;

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
        _undelivered = new UndeliveredRecordings(logger);
        _buffer = new CaptureBuffer(checked(options.MaxRecordingSeconds * WavDecoder.SampleRate));
        _legacySegments = options.LegacySegments;
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
        bool handsFree = request.Vad is { Enabled: true };
        bool segmented = request.Segmented ?? true;
        SileroVadStream? vad = null;
        SpeechTracker? speech = null;
        if (handsFree || segmented)
        {
            int silenceMs = handsFree && request.Vad!.SilenceMs is > 0 ? request.Vad.SilenceMs.Value : VadSpec.DefaultSilenceMs;
            try
            {
                var model = await Task.Run(_vad.Get, cancellationToken).ConfigureAwait(false); // loads once per process (~20 ms)
                vad = model.CreateStream();
                speech = new SpeechTracker(handsFree ? silenceMs : int.MaxValue);
            }
            catch (WisprException ex) when (!handsFree)
            {
                // Without the VAD there are no pauses to cut at: the dictation is recognised whole, as before segmentation.
                _logger.LogWarning("No segmentation for this dictation: {Message}", ex.Message);
                segmented = false;
            }
        }
        // Open the source before touching state: a missing file or microphone fails the call and leaves the service idle.
        var source = await _sources.CreateAsync(request.Source, cancellationToken).ConfigureAwait(false);
        long limitSamples = _buffer.MaxSamples;
        if (request.MaxDurationMs is > 0)
            limitSamples = Math.Min(limitSamples, request.MaxDurationMs.Value * WavDecoder.SampleRate / 1000);
        long lead = Math.Min((long)LimitWarningLead.TotalSeconds * WavDecoder.SampleRate, limitSamples / 2);
        CaptureSession session;
        lock (_gate)
        {
            if (_state != DictationState.Idle)
            {
                _ = DisposeQuietlyAsync(source); // no await under the lock; the task observes its own failure
                throw NotIdleLocked();
            }
            session = new CaptureSession($"d{Interlocked.Increment(ref _nextId)}", source, request, _buffer, _events, _logger)
            {
                Vad = vad,
                Speech = speech,
                HandsFree = handsFree,
                Segmenter = segmented ? (_legacySegments ? Segmenter.Legacy() : new Segmenter()) : null,
                LimitSamples = (int)limitSamples,
                WarnAtSamples = (int)(limitSamples - lead),
            };
            if (segmented)
                session.Transcriber = new SegmentTranscriber(_backends, _buffer, session.Id,
                    preceding => DictationWire.ToOptions(request.Language, request.Prompt, request.Context, preceding), _events, _logger, session.Cancel.Token)
                {
                    JoinWaiting = !_legacySegments,
                };
            session.Level = new LevelMeter(l => _events.Raise(new AudioLevelNotification(session.Id, MathF.Round(l.Rms, 5), MathF.Round(l.Peak, 5), l.SilentMs)));
            _session = session;
            _buffer.Reset();
            SetStateLocked(DictationState.Listening, session.Id);
        }
        // Spooled to disk from the first sample, so the words survive a crash of this process; without a file the
        // dictation still runs (in memory) and the client is told its words could not be kept on disk.
        var spool = _recordings.TryStartSpool(session.Id, out var spoolError);
        if (spool is not null)
            session.SpoolWriter = new SpoolWriter(spool, _buffer, error =>
            {
                _logger.LogError("Dictation {Id}: its recording can no longer be kept on disk ({Error}); it lives in memory only", session.Id, error);
                _events.Raise(new RecordingUnsavedNotification(session.Id, $"{spool.Path}: {error}"));
            });
        if (spoolError is not null)
            _events.Raise(new RecordingUnsavedNotification(session.Id, spoolError));
        _logger.LogInformation("Dictation {Id} listening on {Source}{HandsFree}{Segmented}", session.Id, source.Description,
            handsFree ? $" (hands-free, ends after {speech!.SilenceMs} ms of silence)" : "", segmented ? ", recognised in segments while it runs" : "");
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
        CaptureSession session;
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
            int total = _buffer.Count;
            (int Start, int End)? keep = null;
            if (session.HandsFree && session.Speech is { } speech)
            {
                // Hands-free: Whisper gets the speech and a little around it, never the silence before and after.
                keep = speech.SpeechRange(total);
                if (keep is null)
                    throw new WisprException(WisprErrorCodes.NoSpeech,
                        $"No speech was detected in {total / WavDecoder.SampleRate:0.0} s of audio; nothing to transcribe. Is the right microphone selected?");
                _logger.LogInformation("Dictation {Id}: speech {Start}–{End} ms of {Total} ms kept for recognition", session.Id,
                    keep.Value.Start * 1000L / WavDecoder.SampleRate, keep.Value.End * 1000L / WavDecoder.SampleRate, total * 1000L / WavDecoder.SampleRate);
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.Cancel.Token);
            var (options, finalContext) = context is null ? (session.Options, session.Request.Context)
                : (DictationWire.ToOptions(session.Request.Language, session.Request.Prompt, context), context);
            TranscriptResult result;
            if (session.Transcriber is { } transcriber && session.Segmenter is { } segmenter)
            {
                var (from, to) = keep ?? (0, total);
                ThrowIfNoSpeech(to - from, _buffer.Peak(from, to));
                // What follows the last cut; after a pause cut with no speech since, it is the silence before the release.
                var last = session.RangeOf(segmenter.SegmentStart, total, skip: transcriber.Count > 0 && !segmenter.CurrentHasSpeech, last: true);
                Func<string, TranscribeOptions>? optionsFor = context is null ? null
                    : preceding => DictationWire.ToOptions(session.Request.Language, session.Request.Prompt, context, preceding);
                // The client's cancel of this stop ($/cancelRequest) ends the background work too.
                using var registration = cancellationToken.Register(transcriber.Abandon);
                result = await TranscribeSegmentsAsync(session, transcriber, last, optionsFor, total, stopClock).ConfigureAwait(false);
                result = await CleanAsync(result, finalContext, stopClock, linked.Token).ConfigureAwait(false);
            }
            else
            {
                var audio = _buffer.Copy(keep); // the pipeline's one copy
                result = await TranscribeAsync(audio, options, finalContext, session.Id, stopClock, session, linked.Token).ConfigureAwait(false);
            }
            // The words are in the reply. A client that confirms delivery gets the recording kept until it says it has them
            // (a client that dies before that leaves it for recovery); for any other the reply is the end of it.
            if (session.Request.ConfirmDelivery == true && await session.HandOverSpoolAsync().ConfigureAwait(false) is { } sealedSpool)
                _undelivered.Hold(session.Id, sealedSpool);
            else
                await session.DiscardSpoolAsync().ConfigureAwait(false);
            return result;
        }
        catch (OperationCanceledException) when (session.Cancel.IsCancellationRequested)
        {
            if (session.KeepRecording)
                throw new WisprException(WisprErrorCodes.Cancelled,
                    $"Dictation {session.Id} was interrupted by the sidecar shutting down; its recording was kept at {await session.KeepSpoolAsync().ConfigureAwait(false)}.");
            await session.DiscardSpoolAsync().ConfigureAwait(false);
            throw new WisprException(WisprErrorCodes.Cancelled, $"Dictation {session.Id} was cancelled.");
        }
        catch (OperationCanceledException)
        {
            // The client gave up on this stop ($/cancelRequest): the user discarded it.
            await session.DiscardSpoolAsync().ConfigureAwait(false);
            throw;
        }
        catch (WisprException ex) when (ex.Code == WisprErrorCodes.NoSpeech)
        {
            await session.DiscardSpoolAsync().ConfigureAwait(false); // nothing was said: nothing to keep
            throw;
        }
        finally
        {
            if (session.Transcriber is { } t)
                await t.AbandonAsync().ConfigureAwait(false); // after a failure or NoSpeech, whatever is still queued stops

            if (session.SpoolWriter is { } w)
                await w.CompleteAsync().ConfigureAwait(false); // nothing reads the buffer once this returns
            _buffer.Reset();
            lock (_gate)
            {
                _session = null;
                SetStateLocked(DictationState.Idle, session.Id, session.Cancel.IsCancellationRequested ? "cancelled" : null);
            }
            session.Dispose();
        }
    }

    /// <summary>
    /// <c>dictation/delivered</c>: the client has the text of <paramref name="dictationId"/> (inserted, or in its history), so its
    /// recording is deleted. False when none was held for it (never asked for, already confirmed, or another process's id).
    /// </summary>
    public bool Delivered(string dictationId) => _undelivered.Delivered(dictationId);

    /// <summary>
    /// Whether this process holds <paramref name="path"/> open as a recording: the running dictation's, or one whose text was sent
    /// and not yet confirmed. Such a file is locked until then, so a read would only wait for nothing.
    /// </summary>
    public bool HoldsRecording(string path)
    {
        var full = Path.GetFullPath(path);
        return (CurrentRecordingPath is { } current && string.Equals(Path.GetFullPath(current), full, StringComparison.Ordinal)) || _undelivered.Holds(full);
    }

    /// <summary>For tests: recordings whose text was sent and not yet confirmed.</summary>
    internal int UndeliveredCount => _undelivered.Count;

    /// <summary>Discards the running dictation (listening or transcribing). Returns false when none was running.</summary>
    public Task<bool> CancelAsync(string? dictationId) => CancelAsync(dictationId, keepRecording: false);

    /// <param name="keepRecording">Shutdown (EOF, window reload): end the dictation but keep its recording for recovery.</param>
    private async Task<bool> CancelAsync(string? dictationId, bool keepRecording)
    {
        CaptureSession session;
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
            if (session.Transcriber is { } transcriber)
                await transcriber.AbandonAsync().ConfigureAwait(false); // cancelled above: the segment in flight stops
            if (session.KeepRecording)
            {
                var kept = await session.KeepSpoolAsync().ConfigureAwait(false);
                _logger.LogWarning("Dictation {Id} interrupted by shutdown; its recording was kept at {Path}", session.Id, kept ?? "(nowhere: it could not be saved)");
            }
            else
                await session.DiscardSpoolAsync().ConfigureAwait(false);
            _buffer.Reset(); // nothing reads the buffer any more
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
        Stopwatch clock, CaptureSession? session, CancellationToken cancellationToken)
    {
        var raw = await RecognizeAsync(audio, options, dictationId, clock, session, cancellationToken).ConfigureAwait(false);
        return await CleanAsync(raw, context, clock, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cleanup (rules, then the LLM) runs once, on the whole raw text, so it keeps its context.</summary>
    private async Task<TranscriptResult> CleanAsync(TranscriptResult raw, DictationContext? context, Stopwatch clock, CancellationToken cancellationToken)
    {
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

    private static void ThrowIfNoSpeech(int samples, float peak)
    {
        var durationMs = (long)samples * 1000 / WavDecoder.SampleRate;
        if (samples < MinSpeechSamples)
            throw new WisprException(WisprErrorCodes.NoSpeech, $"The recording is empty ({durationMs} ms of audio); nothing to transcribe.");
        if (peak < SilencePeak)
            throw new WisprException(WisprErrorCodes.NoSpeech,
                $"The recording is silent ({durationMs / 1000.0:0.0} s, peak {20 * Math.Log10(Math.Max(peak, 1e-9)):0} dBFS): is the microphone muted or the wrong one?");
    }

    /// <summary>
    /// A segmented dictation's stop: only the audio after the last cut is left to recognise; the text is the segments' texts in
    /// order. A failure keeps the recording, as the whole-utterance path does.
    /// </summary>
    private async Task<TranscriptResult> TranscribeSegmentsAsync(CaptureSession session, SegmentTranscriber transcriber, SegmentTranscriber.Range last,
        Func<string, TranscribeOptions>? optionsFor, int totalSamples, Stopwatch clock)
    {
        long durationMs = (long)totalSamples * 1000 / WavDecoder.SampleRate;
        try
        {
            var pieces = await transcriber.FinishAsync(last, optionsFor).ConfigureAwait(false);
            var text = string.Join(' ', pieces.Select(p => p.Text).Where(t => t.Length > 0));
            var backend = transcriber.BackendName is { Length: > 0 } name ? name : _backends.SelectedBackend;
            var modelPath = transcriber.ModelPath is { Length: > 0 } path ? path : _backends.ResidentModelPath ?? "";
            // No words from audio with speech in it is a broken model (NaN weights give punctuation or nothing), not silence.
            if (!text.Any(char.IsLetterOrDigit) && session.Speech is { HeardSpeech: true })
                throw new WisprException(WisprErrorCodes.NoWordsRecognized,
                    $"The {backend} model ({Path.GetFileName(modelPath)}) produced no words " + (text.Length > 0 ? $"(only \"{text}\") " : "") +
                    $"from {durationMs / 1000.0:0.0} s of audio that contains speech: the model file may be damaged (NaN weights) or unsuited; try another model.");
            _logger.LogInformation("Transcribed {Ms} ms of audio in {Count} segments ({Merged} queued ones joined to the one before) with {Backend}: {Asr} ms recognition in all, {Total} ms stop-to-text",
                durationMs, pieces.Count, transcriber.Merged, backend, transcriber.AsrMs, clock.ElapsedMilliseconds);
            return new TranscriptResult(session.Id, text, pieces.SelectMany(p => p.Segments).ToList(), durationMs, backend, modelPath,
                new TranscriptTimings(clock.ElapsedMilliseconds, transcriber.AsrMs, transcriber.LoadMs), RawText: text,
                Cleanup: new CleanupInfo(CleanupModes.Off, CleanupPaths.Raw, null, null, 0, null));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw await KeepOnFailureAsync(session, ex).ConfigureAwait(false);
        }
    }

    private async Task<TranscriptResult> RecognizeAsync(float[] audio, TranscribeOptions options, string? dictationId, Stopwatch clock,
        CaptureSession? session, CancellationToken cancellationToken)
    {
        var durationMs = (long)audio.Length * 1000 / WavDecoder.SampleRate;
        float peak = 0;
        foreach (var s in audio)
            peak = Math.Max(peak, Math.Abs(s));
        ThrowIfNoSpeech(audio.Length, peak);

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
            throw await KeepOnFailureAsync(session, ex).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not WisprException and not OperationCanceledException)
        {
            throw new WisprException(WisprErrorCodes.TranscriptionFailed, $"Transcription failed: {ex.Message}", ex);
        }
    }

    /// <summary>The words must not be lost with the model: keeps the audio on disk and returns the error that says where.</summary>
    private async Task<WisprException> KeepOnFailureAsync(CaptureSession session, Exception ex)
    {
        var (saved, saveError) = await KeepRecordingAsync(session).ConfigureAwait(false);
        var message = ex is WisprException w ? w.Message : $"Transcription failed: {ex.Message}";
        message += saved is not null
            ? $" The recording was saved to {saved}; transcribe it with \"Wispr: Transcribe WAV File\" once fixed."
            : $" The recording could not be saved ({saveError}), so these words could not be kept.";
        return new WisprException(ex is WisprException we ? we.Code : WisprErrorCodes.TranscriptionFailed, message, ex);
    }

    /// <summary>The spooled file when it is whole; else a fresh save of what was captured. Null (with why) when neither can be had.</summary>
    private async Task<(string? Path, string? Error)> KeepRecordingAsync(CaptureSession session)
    {
        if (await session.KeepSpoolAsync().ConfigureAwait(false) is { } spooled)
            return (spooled, null);
        var saved = _recordings.TrySave(_buffer.Copy(null), session.Id, out var error);
        if (saved is null && session.Spool?.Error is { } spoolError)
            error = $"{error}; spooling had failed earlier: {spoolError}";
        return (saved, error);
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

    private async Task CaptureAsync(CaptureSession session)
    {
        try
        {
            await session.Source.RunAsync(session, session.StopCapture.Token).ConfigureAwait(false);
            if (session.AutoEndReason is { } reason)
            {
                _logger.LogInformation("Dictation {Id}: capture ended by itself ({Reason})", session.Id, reason);
                _events.Raise(new SourceEndedNotification(session.Id, CapturedMs(), null, reason, null));
            }
            else if (!session.StopCapture.IsCancellationRequested)
            {
                _logger.LogInformation("Dictation {Id}: audio source ended", session.Id);
                _events.Raise(new SourceEndedNotification(session.Id, CapturedMs(), null, SourceEndReasons.End, null));
            }
        }
        catch (Exception ex)
        {
            // Keep what was captured: stop still transcribes it.
            _logger.LogError("Dictation {Id}: audio source failed after {Ms} ms: {Message}", session.Id, CapturedMs(), ex.Message);
            _events.Raise(new SourceEndedNotification(session.Id, CapturedMs(), ex.Message, SourceEndReasons.Error,
                ex is WisprException w ? w.Code : WisprErrorCodes.AudioSourceFailed));
        }
    }

    private long CapturedMs() => (long)_buffer.Count * 1000 / WavDecoder.SampleRate;

    private static async Task EndCaptureAsync(CaptureSession session)
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
        _events.Raise(new StateChangedNotification(id, state.ToWire(), previous.ToWire(), reason));
    }

    public async ValueTask DisposeAsync()
    {
        CaptureSession? session;
        lock (_gate)
            session = _session;
        // Shutdown or a closed stdin mid-dictation: the dictation ends, its recording stays on disk for recovery.
        if (session is not null)
            await CancelAsync(session.Id, keepRecording: true).ConfigureAwait(false);
        // Text sent but never confirmed: the client may have died with it; the next sidecar offers these for recovery.
        _undelivered.ReleaseAll();
    }
}
