using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using StreamJsonRpc;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Tests.Rpc;

/// <summary>
/// The answer to <c>shutdown</c> reaches the output before the sidecar is told to stop: the server's stream writer was a pipe copied
/// to stdout in the background, so on a busy machine the process could exit with the answer still in memory. Here the output is a
/// stream whose writes wait at a gate, so "written" and "sent to the pipe" are told apart without timing.
/// </summary>
public sealed class ShutdownAnswerTests
{
    [Fact]
    public async Task The_stop_comes_only_after_the_answer_to_shutdown_is_written_to_the_output()
    {
        var output = new GatedStream();
        var input = new Pipe();
        string? writtenWhenStopped = null;
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var rpc = RpcConnection.CreateServer(output, input.Reader.AsStream(), NullLogger.Instance, shutdownAnswered: () =>
        {
            writtenWhenStopped = output.Text;
            stopped.TrySetResult();
        });
        rpc.AddLocalRpcTarget(new ShutdownOnlyTarget(), RpcConnection.TargetOptions);
        rpc.StartListening();

        // Another request's answer stops nothing.
        output.Open();
        await SendAsync(input.Writer, """{"jsonrpc":"2.0","id":6,"method":"status"}""");
        await output.WaitForTextAsync("\"id\":6");
        Assert.False(stopped.Task.IsCompleted);

        output.Shut();
        await SendAsync(input.Writer, """{"jsonrpc":"2.0","id":7,"method":"shutdown","params":{}}""");
        await output.WriteEntered.WaitAsync(TimeSpan.FromSeconds(30)); // the answer is on its way to the stream
        // A negative check: with the gate shut, the stop must not come, however long one waits (the bound only limits the test's time).
        Assert.NotSame(stopped.Task, await Task.WhenAny(stopped.Task, Task.Delay(500)));

        output.Open();
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The whole answer was out when the stop came: the last message written is the result for id 7.
        Assert.NotNull(writtenWhenStopped);
        var lastMessage = writtenWhenStopped[writtenWhenStopped.LastIndexOf("Content-Length", StringComparison.Ordinal)..];
        var body = lastMessage[(lastMessage.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal(int.Parse(lastMessage["Content-Length: ".Length..lastMessage.IndexOf('\r')], CultureInfo.InvariantCulture), Encoding.UTF8.GetByteCount(body));
        Assert.Contains("\"id\":7", body);
        Assert.Contains("\"result\"", body);
    }

    [Fact]
    public async Task Shutdown_as_a_notification_stops_once_it_ran_and_writes_nothing()
    {
        var output = new GatedStream();
        output.Open();
        var input = new Pipe();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var target = new ShutdownOnlyTarget();
        using var rpc = RpcConnection.CreateServer(output, input.Reader.AsStream(), NullLogger.Instance, shutdownAnswered: () => stopped.TrySetResult());
        rpc.AddLocalRpcTarget(target, RpcConnection.TargetOptions);
        rpc.StartListening();

        await SendAsync(input.Writer, """{"jsonrpc":"2.0","method":"shutdown","params":{}}""");

        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, target.Calls);
        Assert.Equal("", output.Text);
    }

    private static async Task SendAsync(PipeWriter writer, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        await writer.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
        await writer.WriteAsync(body);
    }

    private sealed class ShutdownOnlyTarget
    {
        public int Calls;
        public int StatusCalls;

        [JsonRpcMethod(SidecarRpcTarget.Methods.Shutdown)]
        public EmptyResult Shutdown(EmptyParams? p = null)
        {
            Interlocked.Increment(ref Calls);
            return new EmptyResult();
        }

        [JsonRpcMethod(SidecarRpcTarget.Methods.Status)]
        public EmptyResult Status(EmptyParams? p = null)
        {
            Interlocked.Increment(ref StatusCalls);
            return new EmptyResult();
        }
    }

    /// <summary>An output whose writes wait while the gate is closed; what got through is <see cref="Text"/>.</summary>
    private sealed class GatedStream : Stream
    {
        private readonly MemoryStream _written = new();
        private readonly object _lock = new();
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _writeEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _textChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task WriteEntered => _writeEntered.Task;

        public string Text
        {
            get { lock (_lock) return Encoding.UTF8.GetString(_written.ToArray()); }
        }

        public void Open() { lock (_lock) _gate.TrySetResult(); }

        public void Shut()
        {
            lock (_lock)
            {
                if (_gate.Task.IsCompleted)
                    _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public async Task WaitForTextAsync(string fragment)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                Task changed;
                lock (_lock)
                {
                    if (Encoding.UTF8.GetString(_written.ToArray()).Contains(fragment, StringComparison.Ordinal))
                        return;
                    changed = _textChanged.Task;
                }
                await changed.WaitAsync(timeout.Token);
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Task gate;
            lock (_lock)
                gate = _gate.Task;
            if (!gate.IsCompleted)
                _writeEntered.TrySetResult();
            await gate.WaitAsync(cancellationToken);
            TaskCompletionSource changed;
            lock (_lock)
            {
                _written.Write(buffer.Span);
                changed = _textChanged;
                _textChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.TrySetResult();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
