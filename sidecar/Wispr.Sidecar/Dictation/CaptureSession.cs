using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Dictation;

/// <summary>
/// One dictation's capture: everything the source delivers passes <see cref="Write"/> into the capture buffer, then to the
/// spool writer (a signal only), the level meter, the VAD (hands-free end, segment cuts) and the length check. It owns the
/// dictation's source, cancellation and background pieces; <see cref="DictationService"/> owns the stage and the buffer.
/// </summary>
internal sealed class CaptureSession(string id, IAudioSource source, StartDictationRequest request, CaptureBuffer buffer,
    SidecarEvents events, ILogger logger) : IAudioSink, IDisposable
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
    /// <summary>Where the VAD heard speech; runs whenever the VAD does.</summary>
    public SpeechTracker? Speech { get; init; }
    /// <summary>Hands-free: a long enough silence after speech ends the capture.</summary>
    public bool HandsFree { get; init; }
    /// <summary>Segmented dictations only: where to cut, and who recognises the finished segments.</summary>
    public Segmenter? Segmenter { get; init; }
    public SegmentTranscriber? Transcriber { get; set; }
    public int LimitSamples { get; init; } = int.MaxValue;
    public int WarnAtSamples { get; init; } = int.MaxValue;
    private bool _limitWarned;
    /// <summary>The recording file being written as audio arrives; null when the folder could not take one.</summary>
    public SpoolWriter? SpoolWriter { get; set; }
    public RecordingSpool? Spool => SpoolWriter?.Spool;
    /// <summary>Set by shutdown: the dictation ends but its recording is kept for recovery.</summary>
    public volatile bool KeepRecording;
    /// <summary>Set (once) when capture ended itself: <see cref="SourceEndReasons.Limit"/> or <see cref="SourceEndReasons.Silence"/>.</summary>
    public volatile string? AutoEndReason;

    public void Write(ReadOnlySpan<float> samples)
    {
        if (AutoEndReason is not null)
            return; // ended (limit or silence): nothing after the end belongs to this dictation
        buffer.Write(samples);
        SpoolWriter?.Pulse();
        Level?.Write(samples);
        Vad?.Accept(samples, OnWindow);
        int count = buffer.Count;
        if (!_limitWarned && count >= WarnAtSamples)
        {
            _limitWarned = true;
            long maxMs = (long)LimitSamples * 1000 / WavDecoder.SampleRate;
            long capturedMs = (long)count * 1000 / WavDecoder.SampleRate;
            logger.LogWarning("Dictation {Id}: {Remaining} ms left before the {Max} ms limit", Id, maxMs - capturedMs, maxMs);
            events.Raise(new LimitApproachingNotification(Id, capturedMs, maxMs, maxMs - capturedMs));
        }
        if (count >= LimitSamples)
            AutoEnd(SourceEndReasons.Limit);
    }

    private void OnWindow(float probability)
    {
        if (Speech is { } speech && speech.Add(probability) && HandsFree)
            AutoEnd(SourceEndReasons.Silence);
        if (Segmenter is { } segmenter && Transcriber is { } transcriber)
        {
            int start = segmenter.SegmentStart;
            // Always recognised: a cut at a pause follows speech, and a segment cut at the length cap may hold speech the VAD
            // missed (a quiet microphone); no words may be dropped on the VAD's word alone.
            if (segmenter.Add(probability) is { } cut)
                transcriber.Enqueue(RangeOf(start, cut.Position, skip: false, last: false));
        }
    }

    /// <summary>
    /// The segment [start, end) as recognition reads it: hands-free leaves out the silence before the speech (and, for the last
    /// segment, after it), as the whole-utterance path does.
    /// </summary>
    public SegmentTranscriber.Range RangeOf(int start, int end, bool skip, bool last)
    {
        int from = start, to = end;
        if (HandsFree && Speech?.SpeechRange(end) is { } speech)
        {
            from = Math.Clamp(speech.Start, start, end);
            if (last)
                to = Math.Clamp(speech.End, from, end);
        }
        return new SegmentTranscriber.Range(start, end, from, to, skip);
    }

    private void AutoEnd(string reason)
    {
        if (AutoEndReason is not null)
            return;
        AutoEndReason = reason;
        StopCapture.Cancel();
    }

    /// <summary>Closes and deletes the recording file (its words were delivered, or the dictation was discarded).</summary>
    public async Task DiscardSpoolAsync()
    {
        if (SpoolWriter is { } writer)
        {
            await writer.AbandonAsync().ConfigureAwait(false);
            writer.Spool.Delete();
        }
    }

    /// <summary>Writes what the file still lacks, closes it and keeps it; its path, or null when it was lost.</summary>
    public async Task<string?> KeepSpoolAsync()
    {
        if (SpoolWriter is not { } writer)
            return null;
        await writer.CompleteAsync().ConfigureAwait(false);
        return writer.Spool.Keep();
    }

    /// <summary>
    /// Writes what the file still lacks, seals it and hands it over (this session no longer closes it): its text is about to
    /// go to a client that confirms delivery. Null when there is no file or it was lost.
    /// </summary>
    public async Task<RecordingSpool?> HandOverSpoolAsync()
    {
        if (SpoolWriter is not { } writer)
            return null;
        await writer.CompleteAsync().ConfigureAwait(false);
        SpoolWriter = null;
        writer.Dispose();
        return writer.Spool.Seal() ? writer.Spool : null;
    }

    public void Dispose()
    {
        Spool?.Dispose(); // closes without deleting: whatever path got here undecided keeps the words
        SpoolWriter?.Dispose();
        StopCapture.Dispose();
        Cancel.Dispose();
    }
}
