using System.Diagnostics;
using System.Text;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>
/// The real sidecar as a child process (<c>dotnet Wispr.Sidecar.dll ARGS</c>, stdio redirected), with its stderr collected as
/// it arrives: for tests that read what the process logs. Disposing kills it if it still runs and waits for the last line.
/// </summary>
public sealed class SidecarChild : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private readonly Task _stderr;

    private SidecarChild(ProcessStartInfo psi)
    {
        Process = Process.Start(psi)!;
        _stderr = Task.Run(async () =>
        {
            while (await Process.StandardError.ReadLineAsync() is { } line)
                lock (_log) _log.AppendLine(line);
        });
    }

    public Process Process { get; }

    /// <summary>Everything the process wrote to stderr so far.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <param name="args">After the dll: the verb and its options.</param>
    /// <param name="configure">Environment, working folder and the like.</param>
    public static SidecarChild Start(IEnumerable<string> args, Action<ProcessStartInfo>? configure = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Wispr.Sidecar.dll"));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        configure?.Invoke(psi);
        return new SidecarChild(psi);
    }

    /// <summary>Waits until stderr is closed (the process has exited), so <see cref="Log"/> is complete.</summary>
    public Task StderrClosed => _stderr;

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
            Process.Kill(entireProcessTree: true);
        await _stderr.ConfigureAwait(false);
        Process.Dispose();
    }
}
