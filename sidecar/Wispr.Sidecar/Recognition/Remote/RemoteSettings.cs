using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Remote;

/// <summary>
/// Where the remote backend sends audio: an OpenAI-compatible server (<c>POST {BaseAddress}/audio/transcriptions</c>).
/// The key lives in memory only; <see cref="ToString"/> never prints it.
/// </summary>
/// <param name="Timeout">The budget of one transcription, on top of the audio's own length (a server slower than real time is broken).</param>
public sealed record RemoteSettings(Uri BaseAddress, string Model, string? ApiKey, TimeSpan Timeout, TimeSpan ConnectTimeout)
{
    public const string DefaultModel = "whisper-1";
    public const int DefaultTimeoutMs = 60_000;
    public const int DefaultConnectTimeoutMs = 10_000;

    /// <summary>host[:port] for messages, status and logs: no path, no query, no user info.</summary>
    public string Host => BaseAddress.IsDefaultPort ? BaseAddress.Host : $"{BaseAddress.Host}:{BaseAddress.Port}";

    /// <summary>The resident backend's identity (status's model path): changes whenever a new client is needed.</summary>
    public string Identity => $"remote: {Host} ({Model})";

    public override string ToString() =>
        $"RemoteSettings {{ BaseAddress = {CleanupPipeline.MaskUrl(BaseAddress.ToString())}, Model = {Model}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "(none)" : "(set)")}, Timeout = {Timeout}, ConnectTimeout = {ConnectTimeout} }}";

    /// <summary>Checks and normalises what <c>remote/configure</c> (or the command line) gave; null when no address is set.</summary>
    /// <exception cref="WisprException">RemoteNotConfigured: the address is not an absolute http(s) URL without user info, or a timeout is out of range.</exception>
    public static RemoteSettings? From(string? baseUrl, string? model, string? apiKey, int? timeoutMs, int? connectTimeoutMs)
    {
        if (timeoutMs is { } t && t is < 1000 or > 600_000)
            throw new WisprException(WisprErrorCodes.RemoteNotConfigured, $"The remote timeout must be 1000–600000 ms, not {t}.");
        if (connectTimeoutMs is { } c && c is < 100 or > 120_000)
            throw new WisprException(WisprErrorCodes.RemoteNotConfigured, $"The remote connect timeout must be 100–120000 ms, not {c}.");
        if (string.IsNullOrWhiteSpace(baseUrl))
            return null;
        // The address is not repeated in the message: a mistyped one may hold a key.
        if (!Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https") || address.UserInfo.Length > 0)
            throw new WisprException(WisprErrorCodes.RemoteNotConfigured,
                "The transcription server address (wispr.remote.baseUrl) is not an absolute http(s) URL without user info, such as http://gpu-box:8000/v1.");
        // The SDK appends "audio/transcriptions" to the endpoint's path: make it end in a slash so "/v1" keeps its last segment.
        if (!address.AbsolutePath.EndsWith('/'))
            address = new UriBuilder(address) { Path = address.AbsolutePath + "/" }.Uri;
        return new RemoteSettings(address,
            string.IsNullOrWhiteSpace(model) ? DefaultModel : model.Trim(),
            string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim(),
            TimeSpan.FromMilliseconds(timeoutMs ?? DefaultTimeoutMs),
            TimeSpan.FromMilliseconds(connectTimeoutMs ?? DefaultConnectTimeoutMs));
    }
}

/// <summary>The remote server currently configured (by <c>remote/configure</c>, else the command line); one per sidecar.</summary>
public sealed class RemoteSettingsStore(SidecarOptions options)
{
    private RemoteSettings? _current = RemoteSettings.From(options.RemoteBaseUrl, options.RemoteModel,
        Environment.GetEnvironmentVariable("WISPR_REMOTE_API_KEY"), null, null);

    public RemoteSettings? Current => Volatile.Read(ref _current);

    public void Set(RemoteSettings? settings) => Volatile.Write(ref _current, settings);
}
