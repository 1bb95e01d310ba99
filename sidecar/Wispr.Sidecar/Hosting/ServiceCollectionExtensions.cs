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
        // The proxy comes from HttpClient's default handling (HTTPS_PROXY, HTTP_PROXY, NO_PROXY; the extension sets them from
        // VS Code's http.proxy); WISPR_PROXY_STRICT_SSL=false is VS Code's http.proxyStrictSSL off (a TLS-intercepting proxy).
        services.AddSingleton(_ => new HttpClient(ModelHttpHandler(options)) { Timeout = Timeout.InfiniteTimeSpan });
        services.AddSingleton(sp => new ModelDownloader(sp.GetRequiredService<HttpClient>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ModelDownloader>>(), options.DownloadIdleTimeout));
        services.AddSingleton<Cleanup.ILlmCleanerFactory, Cleanup.Llm.LlmCleanerFactory>(); // LLM connectors; owns their shared HTTP handler
        services.AddSingleton<ISpeechBackendProvider, WhisperBackendProvider>();
        services.AddSingleton<ISpeechBackendProvider, ParakeetBackendProvider>();
        services.AddSingleton<Recognition.Remote.RemoteSettingsStore>();
        services.AddSingleton<ISpeechBackendProvider, Recognition.Remote.RemoteBackendProvider>();
        services.AddSingleton<BackendHost>();
        services.AddSingleton<ModelStore>();
        services.AddSingleton(_ => Microphones.ForThisPlatform());
        services.AddSingleton<IAudioSourceFactory, AudioSourceFactory>();
        services.AddSingleton<VadProvider>();
        services.AddSingleton<RecordingStore>();
        services.AddSingleton<CleanupPipeline>(); // the LLM stage, when built in, is an ILlmCleanerFactory registered here
        services.AddSingleton<DictationService>();
        services.AddSingleton<SidecarRpcTarget>();
        return services;
    }

    internal static SocketsHttpHandler ModelHttpHandler(SidecarOptions options)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = options.DownloadConnectTimeout };
        if (string.Equals(Environment.GetEnvironmentVariable("WISPR_PROXY_STRICT_SSL"), "false", StringComparison.OrdinalIgnoreCase))
#pragma warning disable CA5359 // the user turned certificate checks off in VS Code (http.proxyStrictSSL); model files are still checked by SHA-1 or by loading
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        return handler;
    }
}
