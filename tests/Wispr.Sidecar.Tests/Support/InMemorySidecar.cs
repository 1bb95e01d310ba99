using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nerdbank.Streams;
using StreamJsonRpc;
using Wispr.Sidecar.Hosting;
using Wispr.Sidecar.Recognition;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>The real sidecar host joined to a client over an in-memory duplex pipe: everything but the process.</summary>
public sealed class InMemorySidecar : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly ConcurrentQueue<(string Method, JsonElement Params)> _notifications = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public JsonRpc Client { get; }
    public IServiceProvider Services => _host.Services;

    private InMemorySidecar(IHost host, JsonRpc client)
    {
        _host = host;
        Client = client;
    }

    public static async Task<InMemorySidecar> StartAsync(SidecarOptions options, ISpeechBackendProvider? provider = null,
        Action<IServiceCollection>? configure = null)
    {
        var (serverStream, clientStream) = FullDuplexStream.CreatePair();
        var builder = SidecarProgram.CreateBuilder(options);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (provider is not null)
            builder.Services.Replace(ServiceDescriptor.Singleton(provider));
        configure?.Invoke(builder.Services);
        builder.Services.AddSingleton(new RpcStreams(serverStream, serverStream));
        builder.Services.AddHostedService<RpcHostedService>();
        var host = builder.Build();
        await host.StartAsync();

        var client = RpcConnection.Create(clientStream, clientStream);
        var sidecar = new InMemorySidecar(host, client);
        client.AddLocalRpcTarget(new NotificationSink(sidecar), RpcConnection.TargetOptions);
        client.StartListening();
        return sidecar;
    }

    private void Record(string method, JsonElement p)
    {
        _notifications.Enqueue((method, p.Clone()));
        _arrived.Release();
    }

    private sealed class NotificationSink(InMemorySidecar owner)
    {
        [JsonRpcMethod(SidecarRpcTarget.Methods.DictationSegment)]
        public void Segment(JsonElement p) => owner.Record(SidecarRpcTarget.Methods.DictationSegment, p);

        [JsonRpcMethod(SidecarRpcTarget.Methods.DictationStateChanged)]
        public void StateChanged(JsonElement p) => owner.Record(SidecarRpcTarget.Methods.DictationStateChanged, p);

        [JsonRpcMethod(SidecarRpcTarget.Methods.DictationSourceEnded)]
        public void SourceEnded(JsonElement p) => owner.Record(SidecarRpcTarget.Methods.DictationSourceEnded, p);

        [JsonRpcMethod(SidecarRpcTarget.Methods.AudioLevel)]
        public void AudioLevel(JsonElement p) => owner.Record(SidecarRpcTarget.Methods.AudioLevel, p);

        [JsonRpcMethod(SidecarRpcTarget.Methods.DictationLimitApproaching)]
        public void LimitApproaching(JsonElement p) => owner.Record(SidecarRpcTarget.Methods.DictationLimitApproaching, p);

        [JsonRpcMethod(SidecarRpcTarget.Methods.DictationRecordingUnsaved)]
        public void RecordingUnsaved(JsonElement p) => owner.Record(SidecarRpcTarget.Methods.DictationRecordingUnsaved, p);

        [JsonRpcMethod(SidecarRpcTarget.Methods.ModelProgress)]
        public void ModelProgress(JsonElement p) => owner.Record(SidecarRpcTarget.Methods.ModelProgress, p);

        [JsonRpcMethod(SidecarRpcTarget.Methods.ModelsDownloadProgress)]
        public void ModelsDownloadProgress(JsonElement p) => owner.Record(SidecarRpcTarget.Methods.ModelsDownloadProgress, p);
    }

    public Task<T> CallAsync<T>(string method, object? args = null, CancellationToken ct = default) =>
        Client.InvokeWithParameterObjectAsync<T>(method, args ?? new { }, ct);

    /// <summary>Starts a dictation with <paramref name="startParams"/> and waits for its source to end; returns its id and that notification.</summary>
    public async Task<(string Id, JsonElement Ended)> StartUntilSourceEndsAsync(object startParams, TimeSpan? timeout = null)
    {
        var start = await CallAsync<JsonElement>(SidecarRpcTarget.Methods.DictationStart, startParams);
        var id = start.GetProperty("dictationId").GetString()!;
        var ended = await WaitForNotificationAsync(SidecarRpcTarget.Methods.DictationSourceEnded, p => p.GetProperty("dictationId").GetString() == id, timeout);
        return (id, ended);
    }

    /// <summary>Waits until a notification matching <paramref name="match"/> has arrived (any time since start).</summary>
    public async Task<JsonElement> WaitForNotificationAsync(string method, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            foreach (var (m, p) in _notifications)
                if (m == method && (match is null || match(p)))
                    return p;
            await _arrived.WaitAsync(cts.Token);
        }
    }

    public IReadOnlyList<(string Method, JsonElement Params)> Notifications => _notifications.ToArray();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _host.StopAsync();
        _host.Dispose();
    }
}
