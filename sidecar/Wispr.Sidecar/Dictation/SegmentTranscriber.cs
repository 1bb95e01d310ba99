using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Dictation;

/// <summary>
/// Recognises a dictation's finished segments in the background, one at a time, in order, on the resident backend (through
/// <see cref="BackendHost"/>'s lock, so a backend switch waits and only one recognition ever runs). A segment is a range of
/// the capture buffer: it is copied into a pooled array only for its backend call and nothing of it is kept once its text
/// is out. Each segment's text goes out as <c>dictation/segment</c> and becomes the next segment's context (Whisper's prompt).
/// When it falls behind, the segments waiting in its queue are recognised as one (see <see cref="TakeWaiting"/>): the
/// notification then carries their joined range.
/// </summary>
internal sealed class SegmentTranscriber
{
    private const int MinSamples = WavDecoder.SampleRate / 10; // under 100 ms nobody said anything
    private const float SilencePeak = 1e-3f; // -60 dBFS: digital silence, nothing to recognise
    /// <summary>Waiting segments recognised together stay within the segmenter's cap, under Whisper's 30 s window.</summary>
    public const int MaxMergedSamples = Segmenter.MaxSegmentMs * (WavDecoder.SampleRate / 1000);

    /// <param name="Start">First sample of the segment (inclusive).</param>
    /// <param name="End">End of the segment (exclusive).</param>
    /// <param name="RecognizeStart">What recognition reads: the segment, or less of it (hands-free trims the silence around the speech).</param>
    /// <param name="Skip">
    /// True for a last segment after a pause in which the VAD heard no speech (the silence before the release): not recognised,
    /// so a pause cannot become words.
    /// </param>
    public readonly record struct Range(int Start, int End, int RecognizeStart, int RecognizeEnd, bool Skip);

    /// <summary>One recognised segment: its range in samples, its text and the recogniser's own segments (ms from the recording's start).</summary>
    /// <param name="AsrMs">This segment's recognition time (0 when it was skipped as silence).</param>
    public sealed record Piece(int Index, int Start, int End, string Text, IReadOnlyList<SegmentResult> Segments, long AsrMs = 0);

    private readonly BackendHost _backends;
    private readonly CaptureBuffer _buffer;
    private readonly string _dictationId;
    private readonly SidecarEvents _events;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _cancel;
    private readonly Channel<Range> _queue = Channel.CreateUnbounded<Range>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<Piece> _pieces = [];
    private readonly Task _loop;
    private volatile Func<string, TranscribeOptions> _optionsFor;
    private ExceptionDispatchInfo? _failure;
    private int _enqueued;
    private int _merged;

    /// <param name="optionsFor">The recogniser's options given the text so far (the prompt carries it).</param>
    /// <param name="cancel">The dictation's cancellation: stops the segment in flight and everything queued.</param>
    public SegmentTranscriber(BackendHost backends, CaptureBuffer buffer, string dictationId, Func<string, TranscribeOptions> optionsFor,
        SidecarEvents events, ILogger logger, CancellationToken cancel)
    {
        _backends = backends;
        _buffer = buffer;
        _dictationId = dictationId;
        _optionsFor = optionsFor;
        _events = events;
        _logger = logger;
        // Its own source: the dictation's cancel, or an abandoned stop, ends the background work.
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _cancel = _stop.Token;
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    public string BackendName { get; private set; } = "";
    public string ModelPath { get; private set; } = "";
    public long LoadMs { get; private set; }
    /// <summary>Recognition time of every segment together.</summary>
    public long AsrMs { get; private set; }
    /// <summary>Segments handed over so far (cuts, plus the last one once the stop queued it).</summary>
    public int Count => Volatile.Read(ref _enqueued);
    /// <summary>Whether waiting segments are recognised as one (off only for the benchmark's legacy rules).</summary>
    public bool JoinWaiting { get; init; } = true;
    /// <summary>Queued segments recognised together with the one before them (each counts once).</summary>
    public int Merged => Volatile.Read(ref _merged);

    /// <summary>Queues a finished segment. Never blocks: the capture path calls it.</summary>
    public void Enqueue(Range range)
    {
        Interlocked.Increment(ref _enqueued);
        _queue.Writer.TryWrite(range);
    }

    /// <summary>
    /// Queues the last segment (what follows the last cut) with the stop's options, waits for every segment and returns them
    /// in order. Rethrows a recognition failure; throws <see cref="OperationCanceledException"/> when the dictation was cancelled.
    /// </summary>
    public async Task<IReadOnlyList<Piece>> FinishAsync(Range last, Func<string, TranscribeOptions>? optionsFor)
    {
        if (optionsFor is not null)
            _optionsFor = optionsFor;
        Enqueue(last);
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _failure?.Throw();
        _cancel.ThrowIfCancellationRequested();
        return _pieces;
    }

    /// <summary>Stops the background work (the segment in flight stops at its next cancellation check) and waits for it to end.</summary>
    public async Task AbandonAsync()
    {
        Abandon();
        await _loop.ConfigureAwait(false);
    }

    /// <summary>Stops the background work without waiting; safe from a cancellation callback.</summary>
    public void Abandon()
    {
        _queue.Writer.TryComplete();
        if (!_loop.IsCompleted)
            _stop.Cancel();
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var next in _queue.Reader.ReadAllAsync(_cancel).ConfigureAwait(false))
            {
                var range = TakeWaiting(next);
                var piece = await RecognizeAsync(_pieces.Count, range).ConfigureAwait(false);
                _pieces.Add(piece);
                _events.Raise(new SegmentNotification(_dictationId, piece.Index, ToMs(piece.Start), ToMs(piece.End), piece.Text, piece.AsrMs));
            }
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Later segments are not recognised: the stop reports this failure and keeps the recording.
            _failure = ExceptionDispatchInfo.Capture(ex);
            _queue.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Behind schedule (a busy machine, a slow model), more than one finished segment waits: the waiting contiguous ranges are
    /// recognised as one, up to <see cref="MaxMergedSamples"/>, so the dictation pays fewer per-call overheads and catches up.
    /// A skipped range (the silence before the release) stays on its own, so a pause still cannot become words.
    /// </summary>
    private Range TakeWaiting(Range range)
    {
        while (JoinWaiting && !range.Skip && range.RecognizeEnd == range.End && _queue.Reader.TryPeek(out var next) && CanFollow(range, next))
        {
            _queue.Reader.TryRead(out _);
            Interlocked.Increment(ref _merged);
            range = new Range(range.Start, next.End, range.RecognizeStart, next.RecognizeEnd, Skip: false);
        }
        return range;
    }

    private static bool CanFollow(Range range, Range next) =>
        !next.Skip && next.Start == range.End && next.RecognizeStart == next.Start && next.End - range.Start <= MaxMergedSamples;

    private async Task<Piece> RecognizeAsync(int index, Range range)
    {
        int length = range.RecognizeEnd - range.RecognizeStart;
        if (range.Skip || length < MinSamples || _buffer.Peak(range.RecognizeStart, range.RecognizeEnd) < SilencePeak)
            return new Piece(index, range.Start, range.End, "", []);
        var options = _optionsFor(string.Join(' ', _pieces.Select(p => p.Text).Where(t => t.Length > 0)));
        return await _backends.UseAsync(async (backend, loadMs) =>
        {
            var clock = Stopwatch.StartNew();
            // The backend call's one copy, taken under the backend lock so it lives only as long as the recognition (not
            // pooled: a pool would keep the words after their text is out).
            var audio = new float[length];
            int copied = _buffer.CopyTo(range.RecognizeStart, audio.AsSpan(0, length));
            long offsetMs = ToMs(range.RecognizeStart);
            long durationMs = ToMs(copied);
            var segments = new List<SegmentResult>();
            await foreach (var s in backend.TranscribeAsync(audio.AsMemory(0, copied), options, _cancel).ConfigureAwait(false))
            {
                if (string.IsNullOrWhiteSpace(s.Text))
                    continue;
                // whisper.cpp can put a timestamp in its padding; the time is bounded to the audio that exists.
                long start = Math.Clamp((long)s.Start.TotalMilliseconds, 0, durationMs);
                long end = Math.Clamp((long)s.End.TotalMilliseconds, start, durationMs);
                segments.Add(new SegmentResult(offsetMs + start, offsetMs + end, s.Text.Trim()));
            }
            BackendName = backend.Name;
            ModelPath = backend.ModelPath;
            LoadMs += loadMs;
            long asrMs = clock.ElapsedMilliseconds; // read once: the segments' times add up to the dictation's asrMs
            AsrMs += asrMs;
            _logger.LogInformation("Dictation {Id}: segment {Index} ({Start}–{End} ms) recognised in {Ms} ms", _dictationId, index,
                ToMs(range.Start), ToMs(range.End), asrMs);
            return new Piece(index, range.Start, range.End, string.Join(' ', segments.Select(s => s.Text)).Trim(), segments, asrMs);
        }, _cancel).ConfigureAwait(false);
    }

    private static long ToMs(int samples) => (long)samples * 1000 / WavDecoder.SampleRate;
}
