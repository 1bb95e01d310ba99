using Microsoft.Extensions.Logging;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Remote;

/// <summary>
/// The remote backend: nothing to download, and "loading" it builds one HTTP client for the configured server. Its model
/// path is the server's identity (<see cref="RemoteSettings.Identity"/>), so a changed address or model is a new load.
/// </summary>
public sealed class RemoteBackendProvider(RemoteSettingsStore settings, ILoggerFactory loggers) : ISpeechBackendProvider
{
    public const string BackendId = "remote";

    public string Id => BackendId;

    public string Label => "Remote server";

    public string? UnavailableReason => null;

    public Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<ModelProgress>? progress, CancellationToken cancellationToken) =>
        Task.FromResult((Require().Identity, false));

    public Task<ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken)
    {
        var current = Require();
        return Task.FromResult<ISpeechBackend>(new RemoteBackend(current, loggers.CreateLogger<RemoteBackend>()));
    }

    private RemoteSettings Require() => settings.Current ?? throw new WisprException(WisprErrorCodes.RemoteNotConfigured,
        "No transcription server is set: set wispr.remote.baseUrl (for example http://gpu-box:8000/v1) to use the remote backend.");
}
