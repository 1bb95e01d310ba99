using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Audio;

namespace Wispr.Sidecar.Dictation;

/// <summary>
/// Recordings whose text was sent but not yet confirmed by the client (<c>dictation/delivered</c>). Each stays sealed on disk
/// and held open (locked, so <c>recordings/list</c> does not offer it while its words are on their way) until the client
/// confirms (deleted) or this process ends (a kill drops the lock; shutdown closes it): either way an unconfirmed recording
/// is a leftover for the next sidecar's recovery. Bounded: past <see cref="MaxHeld"/> the oldest is closed and left to recovery.
/// </summary>
internal sealed class UndeliveredRecordings(ILogger logger)
{
    /// <summary>A client confirms each dictation at once; more than this unconfirmed means it never will.</summary>
    public const int MaxHeld = 8;

    private readonly object _gate = new();
    private readonly List<(string DictationId, RecordingSpool Spool)> _held = [];

    public int Count { get { lock (_gate) return _held.Count; } }

    /// <summary>Takes ownership of a sealed recording until <see cref="Delivered"/> or <see cref="ReleaseAll"/>.</summary>
    public void Hold(string dictationId, RecordingSpool spool)
    {
        RecordingSpool? oldest = null;
        lock (_gate)
        {
            _held.Add((dictationId, spool));
            if (_held.Count > MaxHeld)
            {
                oldest = _held[0].Spool;
                _held.RemoveAt(0);
            }
        }
        if (oldest is not null)
            logger.LogWarning("More than {Max} dictations were not confirmed as delivered; {Path} is closed and left for recovery", MaxHeld,
                oldest.Keep() ?? "(lost)");
    }

    /// <summary>Whether <paramref name="path"/> (full) is one of the held recordings.</summary>
    public bool Holds(string path)
    {
        lock (_gate)
            return _held.Exists(h => string.Equals(Path.GetFullPath(h.Spool.Path), path, StringComparison.Ordinal));
    }

    /// <summary>The client has the text: deletes the recording. False when none is held for that id (already confirmed, unknown).</summary>
    public bool Delivered(string dictationId)
    {
        RecordingSpool? spool = null;
        lock (_gate)
        {
            int i = _held.FindIndex(h => h.DictationId == dictationId);
            if (i >= 0)
            {
                spool = _held[i].Spool;
                _held.RemoveAt(i);
            }
        }
        if (spool is null)
            return false;
        spool.Delete();
        logger.LogDebug("Dictation {Id} delivered; its recording was deleted", dictationId);
        return true;
    }

    /// <summary>Shutdown: closes every held recording and keeps it, for the next sidecar's recovery.</summary>
    public void ReleaseAll()
    {
        List<(string DictationId, RecordingSpool Spool)> held;
        lock (_gate)
        {
            held = [.. _held];
            _held.Clear();
        }
        foreach (var (id, spool) in held)
            logger.LogWarning("Dictation {Id} was not confirmed as delivered before shutdown; its recording was kept at {Path}", id, spool.Keep() ?? "(lost)");
    }
}
