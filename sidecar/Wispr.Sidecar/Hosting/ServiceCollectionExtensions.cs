using Microsoft.Extensions.DependencyInjection;
using Wispr.Sidecar.Audio;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Recognition.Parakeet;
using Wispr.Sidecar.Recognition.Whisper;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>Every long-lived service of the sidecar, in one list.</summary>
    public static IServiceCollection AddWisprSidecar(this IServiceCollection services, SidecarOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<SidecarExit>();
        services.AddSingleton<SidecarEvents>();
        // No overall timeout (a 142 MiB download may take long) but a bounded connect, and ModelDownloader bounds every wait
        // for bytes, so a stalled server cannot hang a prepare or a dictation's stop.
        services.AddSingleton(_ => new HttpClient(new SocketsHttpHandler { ConnectTimeout = options.DownloadConnectTimeout }) { Timeout = Timeout.InfiniteTimeSpan });
        services.AddSingleton(sp => new ModelDownloader(sp.GetRequiredService<HttpClient>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ModelDownloader>>(), options.DownloadIdleTimeout));
        services.AddSingleton<Cleanup.ILlmCleanerFactory, Cleanup.Llm.LlmCleanerFactory>(); // LLM connectors; owns their shared HTTP handler
        services.AddSingleton<ISpeechBackendProvider, WhisperBackendProvider>();
        services.AddSingleton<ISpeechBackendProvider, ParakeetBackendProvider>();
        services.AddSingleton<Recognition.Remote.RemoteSettingsStore>();
        services.AddSingleton<ISpeechBackendProvider, Recognition.Remote.RemoteBackendProvider>();
        services.AddSingleton<BackendHost>();
        services.AddSingleton(_ => Microphones.ForThisPlatform());
        services.AddSingleton<IAudioSourceFactory, AudioSourceFactory>();
        services.AddSingleton<VadProvider>();
        services.AddSingleton<RecordingStore>();
        services.AddSingleton<CleanupPipeline>(); // the LLM stage, when built in, is an ILlmCleanerFactory registered here
        services.AddSingleton<DictationService>();
        services.AddSingleton<SidecarRpcTarget>();
        return services;
    }
}
