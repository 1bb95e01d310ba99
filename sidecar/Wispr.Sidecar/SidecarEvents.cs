using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar;

/// <summary>A notification's wire shape names its own method, so raising one is the only edit a new notification needs.</summary>
public interface ISidecarNotification
{
    static abstract string Method { get; }
}

/// <summary>
/// The services' outward notifications in one stream. Services raise the wire record; the RPC server forwards every one
/// as a JSON-RPC notification without knowing its type. Handlers must not throw and must not block.
/// </summary>
public sealed class SidecarEvents
{
    /// <summary>Every notification raised: its method and its payload (a wire record from <c>Rpc/Contracts.cs</c>).</summary>
    public event Action<string, object>? Raised;

    public void Raise<T>(T notification) where T : class, ISidecarNotification => Raised?.Invoke(T.Method, notification);

    /// <summary>Model downloads and loads report through this callback shape (<see cref="ModelProgress"/>).</summary>
    public void RaiseModelProgress(ModelProgress p) =>
        Raise(new ModelProgressNotification(p.Stage.ToString().ToLowerInvariant(), p.File, p.ReceivedBytes, p.TotalBytes));

    /// <summary>The model store's downloads report through this callback shape (<see cref="ModelDownloadProgress"/>).</summary>
    public void RaiseModelDownloadProgress(ModelDownloadProgress p) =>
        Raise(new ModelDownloadProgressNotification(p.Id, p.File, p.ReceivedBytes, p.TotalBytes, p.BytesPerSecond));
}
