using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Models;

namespace Wispr.Sidecar;

/// <summary>
/// The services' outward events in one place. Services raise them without knowing about JSON-RPC; the RPC server
/// forwards them as notifications. Handlers must not throw and must not block.
/// </summary>
public sealed class SidecarEvents
{
    public event Action<DictationStateChange>? DictationStateChanged;
    public event Action<SourceEnded>? SourceEnded;
    public event Action<ModelProgress>? ModelProgress;
    public event Action<ModelDownloadProgress>? ModelDownloadProgress;
    public event Action<AudioLevelEvent>? AudioLevel;
    public event Action<LimitApproaching>? LimitApproaching;
    public event Action<RecordingUnsaved>? RecordingUnsaved;

    public void RaiseDictationStateChanged(DictationStateChange change) => DictationStateChanged?.Invoke(change);
    public void RaiseSourceEnded(SourceEnded ended) => SourceEnded?.Invoke(ended);
    public void RaiseModelProgress(ModelProgress progress) => ModelProgress?.Invoke(progress);
    public void RaiseModelDownloadProgress(ModelDownloadProgress progress) => ModelDownloadProgress?.Invoke(progress);
    public void RaiseAudioLevel(AudioLevelEvent level) => AudioLevel?.Invoke(level);
    public void RaiseLimitApproaching(LimitApproaching warning) => LimitApproaching?.Invoke(warning);
    public void RaiseRecordingUnsaved(RecordingUnsaved unsaved) => RecordingUnsaved?.Invoke(unsaved);
}
