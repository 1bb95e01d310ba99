using System.Diagnostics;
using StreamJsonRpc;
using Wispr.Sidecar.Rpc;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Cli;

/// <summary>A child `serve` sidecar driven over JSON-RPC on its stdio, started the way the extension starts it (for the CLI verbs).</summary>
internal sealed class ChildSidecar : IDisposable
{
    private ChildSidecar(Process process, JsonRpc rpc)
    {
        Process = process;
        Rpc = rpc;
    }

    public Process Process { get; }
    public JsonRpc Rpc { get; }

    /// <summary>Starts the child; <paramref name="callbacks"/> (notification handlers) is attached before listening starts.</summary>
    public static ChildSidecar Start(SidecarOptions options, string logLevel, object? callbacks = null)
    {
        var psi = SidecarProgram.SelfStartInfo();
        psi.ArgumentList.Add("serve");
        if (options.ModelPath is not null)
        {
            psi.ArgumentList.Add("--model");
            psi.ArgumentList.Add(options.ModelPath);
        }
        psi.ArgumentList.Add("--backend");
        psi.ArgumentList.Add(options.Backend);
        if (options.ParakeetModelPath is not null)
        {
            psi.ArgumentList.Add("--parakeetModel");
            psi.ArgumentList.Add(options.ParakeetModelPath);
        }
        psi.ArgumentList.Add("--logLevel");
        psi.ArgumentList.Add(logLevel);
        psi.ArgumentList.Add("--clientProcessId");
        psi.ArgumentList.Add(Environment.ProcessId.ToString());
        // The recognition settings given to the verb reach the child that recognises.
        psi.ArgumentList.Add("--threads");
        psi.ArgumentList.Add(options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--audioContext");
        psi.ArgumentList.Add(options.AudioContext == Recognition.AudioContextMode.Full ? "full" : "fit");
        psi.RedirectStandardInput = psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        if (OperatingSystem.IsLinux() && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX")))
            psi.Environment["MALLOC_ARENA_MAX"] = "2"; // as the extension does: see NativeAllocator
        psi.UseShellExecute = false;
        var child = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the sidecar.");
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[sidecar] {e.Data}"); };
        child.BeginErrorReadLine();
        var rpc = RpcConnection.Create(child.StandardInput.BaseStream, child.StandardOutput.BaseStream);
        if (callbacks is not null)
            rpc.AddLocalRpcTarget(callbacks, RpcConnection.TargetOptions);
        rpc.StartListening();
        return new ChildSidecar(child, rpc);
    }

    /// <summary>`initialize` as the CLI client.</summary>
    public Task<InitializeResult> InitializeAsync() =>
        Rpc.InvokeWithParameterObjectAsync<InitializeResult>(M.Initialize, new InitializeParams("wispr-cli", SidecarRpcTarget.SidecarVersion));

    /// <summary>`model/prepare` (downloading the default model once), reported on stderr.</summary>
    public async Task<PrepareResult> PrepareAsync()
    {
        var prepared = await Rpc.InvokeWithParameterObjectAsync<PrepareResult>(M.ModelPrepare, new EmptyParams()).ConfigureAwait(false);
        Console.Error.WriteLine($"Model {prepared.ModelPath} loaded in {prepared.LoadMs} ms{(prepared.Downloaded ? " (downloaded)" : "")}.");
        return prepared;
    }

    /// <summary>Asks the child to shut down and waits (10 s at most) for it to exit.</summary>
    public async Task ShutdownAsync()
    {
        await Rpc.InvokeWithParameterObjectAsync<EmptyResult>(M.Shutdown, new EmptyParams()).ConfigureAwait(false);
        await Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token).ConfigureAwait(false);
    }

    public void Dispose()
    {
        Rpc.Dispose();
        if (!Process.HasExited)
            Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}
