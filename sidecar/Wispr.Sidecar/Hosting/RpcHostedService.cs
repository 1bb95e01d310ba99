using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Hosting;

/// <summary>Serves the JSON-RPC connection for the host's lifetime and stops the host when the connection closes.</summary>
public sealed class RpcHostedService(
    RpcStreams streams,
    SidecarRpcTarget target,
    SidecarEvents events,
    SidecarOptions options,
    SidecarExit exit,
    IHostApplicationLifetime lifetime,
    ILogger<RpcHostedService> logger) : IHostedService, IAsyncDisposable
{
    private JsonRpc? _rpc;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Stopping runs the host's shutdown (backend unload) on the thread pool, not on the thread that wrote the answer.
        var rpc = RpcConnection.CreateServer(streams.Output, streams.Input, logger,
            shutdownAnswered: () => _ = Task.Run(lifetime.StopApplication, CancellationToken.None));
        rpc.Disconnected += OnDisconnected;
        // Targets go in before StartListening, or early requests find no method.
        rpc.AddLocalRpcTarget(target, RpcConnection.TargetOptions);
        events.Raised += Notify;
        rpc.StartListening();
        _rpc = rpc;
        _ = rpc.Completion.ContinueWith(t =>
        {
            if (t.Exception?.GetBaseException() is JsonRpcFramingException)
                exit.Fail(ServerExitCodes.ProtocolError);
            logger.LogInformation("JSON-RPC connection closed{Why}; stopping", t.IsFaulted ? $" ({t.Exception?.GetBaseException().Message})" : "");
            lifetime.StopApplication();
        }, TaskScheduler.Default);
        if (options.ClientProcessId is int pid)
            _ = WatchClientAsync(pid);
        return Task.CompletedTask;
    }

    private async Task WatchClientAsync(int pid)
    {
        try
        {
            using var client = Process.GetProcessById(pid);
            await client.WaitForExitAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { return; }
        catch (ArgumentException) { /* already gone */ }
        logger.LogWarning("Client process {Pid} exited; shutting down", pid);
        exit.Fail(ServerExitCodes.ClientProcessExited);
        lifetime.StopApplication();
    }

    /// <summary>A clean end of input is an orderly shutdown; a stream that cannot be read as JSON-RPC any more is a protocol error.</summary>
    private void OnDisconnected(object? sender, JsonRpcDisconnectedEventArgs e)
    {
        if (e.Reason is DisconnectedReason.RemotePartyTerminated or DisconnectedReason.LocallyDisposed || lifetime.ApplicationStopping.IsCancellationRequested)
            return;
        var why = e.Exception is JsonRpcFramingException framing ? framing.Message : e.Description;
        logger.LogError("The JSON-RPC input cannot be read any more ({Reason}): {Why}; exiting with code {Code}", e.Reason, why, ServerExitCodes.ProtocolError);
        exit.Fail(ServerExitCodes.ProtocolError);
    }

    private void Notify(string method, object payload)
    {
        if (_rpc is not { IsDisposed: false } rpc)
            return;
        rpc.NotifyWithParameterObjectAsync(method, payload).ContinueWith(
            t => logger.LogDebug("Notification {Method} not sent: {Message}", method, t.Exception?.GetBaseException().Message),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        events.Raised -= Notify;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _rpc?.Dispose();
        return ValueTask.CompletedTask;
    }
}
