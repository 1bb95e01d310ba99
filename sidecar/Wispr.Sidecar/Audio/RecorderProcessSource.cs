using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Audio;

/// <summary>
/// Capture through a recorder child process (parec on Linux, sox on macOS) that writes raw 16 kHz mono float32 little-endian
/// to its stdout. The process is started by <see cref="StartAsync"/> and killed when the dictation stops or the source is disposed.
/// </summary>
public sealed class RecorderProcessSource : IAudioSource
{
    private const int StderrKeepChars = 4096;
    private readonly Process _process;
    private readonly Func<string, WisprException> _describeFailure;
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _readyMarker;
    private readonly string? _abortMarker;
    private readonly Task _stderrPump;
    private int _disposed;

    private RecorderProcessSource(Process process, string description, string? readyMarker, string? abortMarker, Func<string, WisprException> describeFailure)
    {
        _process = process;
        _readyMarker = readyMarker;
        _abortMarker = abortMarker;
        _describeFailure = describeFailure;
        Description = description;
        _stderrPump = Task.Run(PumpStderrAsync);
    }

    public string Description { get; }

    /// <summary>What the recorder wrote to stderr so far (the tail), for messages and logs.</summary>
    public string StandardError { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>
    /// Starts the recorder and waits until it reports a stream (<paramref name="readyMarker"/> on stderr) or, without a marker,
    /// until it has run for a moment without failing. A recorder that exits first fails with <paramref name="describeFailure"/>.
    /// <paramref name="abortMarker"/> on stderr later means the device went away (e.g. PulseAudio moved the stream elsewhere):
    /// the recorder is stopped and capture fails, keeping what it had delivered.
    /// </summary>
    public static async Task<RecorderProcessSource> StartAsync(ProcessStartInfo psi, string description, string? readyMarker,
        string missingHint, Func<string, WisprException> describeFailure, CancellationToken cancellationToken, string? abortMarker = null)
    {
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true; // not inherited: the sidecar's stdin is the JSON-RPC wire
        psi.UseShellExecute = false;
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception("Process.Start returned null");
        }
        catch (Win32Exception ex)
        {
            throw new WisprException(WisprErrorCodes.RecorderMissing,
                $"The recorder program '{psi.FileName}' could not be started ({ex.Message}). {missingHint}", ex);
        }

        var source = new RecorderProcessSource(process, description, readyMarker, abortMarker, describeFailure);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var waitReady = readyMarker is null ? Task.Delay(TimeSpan.FromMilliseconds(300), timeout.Token) : source._ready.Task.WaitAsync(timeout.Token);
            var exited = process.WaitForExitAsync(timeout.Token);
            var limit = Task.Delay(TimeSpan.FromSeconds(10), timeout.Token);
            var first = await Task.WhenAny(waitReady, exited, limit).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (first == exited || process.HasExited)
            {
                await source._stderrPump.ConfigureAwait(false);
                throw describeFailure(source.StandardError.Trim() is { Length: > 0 } err ? err : $"{psi.FileName} exited with code {process.ExitCode}");
            }
            if (first == limit)
                throw Microphones.NoMicrophone($"The recorder '{psi.FileName}' opened no audio stream within 10 s ({source.StandardError.Trim()}).");
            timeout.Cancel();
            return source;
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task RunAsync(IAudioSink sink, CancellationToken cancellationToken)
    {
        var stdout = _process.StandardOutput.BaseStream;
        // Stopping kills the recorder; what it had already written is still drained from the pipe below.
        using var stop = cancellationToken.Register(Kill);
        var bytes = new byte[WavDecoder.SampleRate / 20 * sizeof(float)]; // 50 ms
        var floats = new float[bytes.Length / sizeof(float)];
        int carry = 0;
        while (true)
        {
            int n = await stdout.ReadAsync(bytes.AsMemory(carry), CancellationToken.None).ConfigureAwait(false);
            if (n == 0)
                break;
            int total = carry + n;
            int whole = total / sizeof(float);
            MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, whole * sizeof(float))).CopyTo(floats);
            sink.Write(floats.AsSpan(0, whole));
            carry = total - whole * sizeof(float);
            if (carry > 0)
                bytes.AsSpan(whole * sizeof(float), carry).CopyTo(bytes);
        }
        if (cancellationToken.IsCancellationRequested)
            return;
        // The recorder ended on its own: the device went away or the server died. What was captured stays in the sink.
        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        await _stderrPump.ConfigureAwait(false);
        throw _describeFailure(StandardError.Trim() is { Length: > 0 } err ? err : $"the recorder exited with code {_process.ExitCode}");
    }

    private async Task PumpStderrAsync()
    {
        var buffer = new char[512];
        var reader = _process.StandardError;
        string carry = ""; // the end of the previous chunk, so a marker split across two reads is still found
        try
        {
            int n;
            while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                var recent = carry + new string(buffer, 0, n);
                carry = recent.Length > 64 ? recent[^64..] : recent;
                lock (_stderr)
                {
                    _stderr.Append(buffer, 0, n);
                    if (_stderr.Length > StderrKeepChars)
                        _stderr.Remove(0, _stderr.Length - StderrKeepChars);
                }
                if (_readyMarker is not null && !_ready.Task.IsCompleted && recent.Contains(_readyMarker, StringComparison.Ordinal))
                    _ready.TrySetResult();
                else if (_abortMarker is not null && _ready.Task.IsCompleted && recent.Contains(_abortMarker, StringComparison.Ordinal))
                    Kill();
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill();
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception) { }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Kill();
        try { await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _process.Dispose();
    }
}
