using System.Diagnostics;
using System.Text;
using StreamJsonRpc;
using Wispr.FakeLlm;
using Wispr.Sidecar.Cleanup;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Recognition;

using Wispr.Sidecar.Tests.Support;

namespace Wispr.Sidecar.Tests.Cleanup;

/// <summary>
/// The real sidecar process, logging at Trace, is handed API keys and uses them against the fake LLM server (success, a 401
/// whose body quotes the key, both providers, a dictation). Afterwards every byte it wrote, its whole log and every file under
/// its home, cache and temp folders, is searched for the keys: they may reach the LLM server and nothing else.
/// </summary>
public sealed class SidecarKeyNeverWrittenTests(WhisperTestModelFixture model) : IClassFixture<WhisperTestModelFixture>
{
    private static readonly string OpenAiKey = "sk-test-OPENAI-" + Guid.NewGuid().ToString("N");
    private static readonly string GeminiKey = "gm-test-GEMINI-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Keys_reach_the_llm_server_and_no_log_line_or_file()
    {
        var root = Directory.CreateTempSubdirectory("wispr-keyscan-").FullName;
        foreach (var d in new[] { "home", "cache", "tmp" })
            Directory.CreateDirectory(Path.Combine(root, d));
        await using var server = FakeLlmServer.Start();

        var child = SidecarChild.Start(["serve", "--model", model.ModelPath, "--logLevel", "Trace"], psi =>
        {
            psi.WorkingDirectory = root;
            psi.Environment["HOME"] = Path.Combine(root, "home");
            psi.Environment["XDG_CACHE_HOME"] = Path.Combine(root, "cache");
            psi.Environment["WISPR_CACHE_DIR"] = Path.Combine(root, "cache", "wispr");
            psi.Environment["TMPDIR"] = Path.Combine(root, "tmp");
        });
        await using (child)
        {
            var process = child.Process;
            using var rpc = RpcConnection.Create(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
            rpc.StartListening();
            // A failure bound only: a fresh process transcribing JFK at trace level took over 2 min on a loaded 2-core machine.
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            var ct = timeout.Token;

            var configured = await Configure(rpc, LlmProviders.OpenAi, server.OpenAiBaseUrl, OpenAiKey, ct);
            Assert.True(configured.HasApiKey);
            var cleaned = await Apply(rpc, "so um get the user by id and return it", ct);
            Assert.Equal(CleanupPaths.Llm, cleaned.Cleanup.Path);

            // A dictation's whole path with the key in play (random weights: whatever it heard, it goes through the LLM stage).
            var transcript = await rpc.InvokeWithParameterObjectAsync<TranscriptResult>(SidecarRpcTarget.Methods.TranscribeFile,
                new TranscribeFileParams(RepoPaths.JfkWav), ct);
            Assert.Equal(CleanupModes.Llm, transcript.Cleanup!.Requested);

            // The fake's 401 quotes the key back in its error body, as some servers do.
            server.Scenario = FakeLlmScenarios.Unauthorized;
            var refused = await Apply(rpc, "read the config file", ct);
            Assert.Equal(CleanupPaths.Rules, refused.Cleanup.Path);
            Assert.Contains("401", refused.Cleanup.FallbackReason);

            server.Scenario = FakeLlmScenarios.Clean;
            await Configure(rpc, LlmProviders.Gemini, server.GeminiBaseUrl, GeminiKey, ct);
            Assert.Equal(CleanupPaths.Llm, (await Apply(rpc, "open the package dot json file", ct)).Cleanup.Path);

            await rpc.InvokeWithParameterObjectAsync<EmptyResult>(SidecarRpcTarget.Methods.Shutdown, new EmptyParams(), ct);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
            await child.StderrClosed;
        }

        // The search means something only if the keys did travel and the log is the verbose one.
        Assert.Contains(server.Requests, r => r.Header("Authorization") == "Bearer " + OpenAiKey);
        Assert.Contains(server.Requests, r => r.Header("x-goog-api-key") == GeminiKey);
        var text = child.Log;
        Assert.Contains("trce:", text);
        Assert.Contains("127.0.0.1", text);

        foreach (var key in new[] { OpenAiKey, GeminiKey })
        {
            Assert.DoesNotContain(key, text);
            var secretPart = key[..15]; // "sk-test-OPENAI-": even a truncated key must not appear
            Assert.DoesNotContain(secretPart, text);
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
                Assert.False(Contains(File.ReadAllBytes(file), Encoding.UTF8.GetBytes(secretPart)), $"{file} holds the key");
        }
        Directory.Delete(root, recursive: true);
    }

    private static Task<CleanupSettingsResult> Configure(JsonRpc rpc, string provider, string baseUrl, string key, CancellationToken ct) =>
        rpc.InvokeWithParameterObjectAsync<CleanupSettingsResult>(SidecarRpcTarget.Methods.CleanupConfigure,
            // A generous budget: the first request of a fresh process on a busy machine took more than 5 s (then the path is "rules").
            new CleanupSettings(CleanupModes.Llm, provider, baseUrl, "test-model", key, 60_000), ct);

    private static Task<CleanupApplyResult> Apply(JsonRpc rpc, string text, CancellationToken ct) =>
        rpc.InvokeWithParameterObjectAsync<CleanupApplyResult>(SidecarRpcTarget.Methods.CleanupApply, new CleanupApplyParams(text), ct);

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
