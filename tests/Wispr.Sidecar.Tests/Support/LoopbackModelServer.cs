using System.Net;
using System.Net.Sockets;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>
/// A model server on a free loopback port for the download tests: it points WISPR_MODEL_BASE_URL and WISPR_CACHE_DIR at
/// itself and a test folder, and answers every request with the test's handler, each on its own task (a stalled answer
/// holds up no other). Disposing stops it and clears both variables.
/// </summary>
public sealed class LoopbackModelServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerContext, Task> _answer;

    public LoopbackModelServer(string cacheDirectory, Func<HttpListenerContext, Task> answer)
    {
        _answer = answer;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Prefix = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/";
        }
        _listener.Prefixes.Add(Prefix);
        _listener.Start();
        _ = ServeAsync();
        Environment.SetEnvironmentVariable("WISPR_MODEL_BASE_URL", Prefix);
        Environment.SetEnvironmentVariable("WISPR_CACHE_DIR", cacheDirectory);
    }

    /// <summary>The server's base address, "http://127.0.0.1:PORT/".</summary>
    public string Prefix { get; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); } catch { return; }
            _ = AnswerAsync(ctx);
        }
    }

    private async Task AnswerAsync(HttpListenerContext ctx)
    {
        try
        {
            await _answer(ctx);
        }
        catch (HttpListenerException) { } // the client went away
        catch (ObjectDisposedException) { } // the server stopped
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("WISPR_MODEL_BASE_URL", null);
        Environment.SetEnvironmentVariable("WISPR_CACHE_DIR", null);
        _listener.Stop();
        _listener.Close();
    }
}
