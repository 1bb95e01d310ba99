using System.Diagnostics;
using System.Text;
using Wispr.FakeLlm;

namespace Wispr.Sidecar.Tests.Cleanup.Llm;

/// <summary>The fake server's own contract, as the end-to-end suite and the benchmark use it: console mode and the control endpoint.</summary>
public sealed class FakeLlmServerTests
{
    [Fact]
    public async Task The_console_server_prints_its_address_and_switches_scenario_at_runtime()
    {
        var dll = typeof(FakeLlmServer).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--port", "0", "--scenario", "clean" }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var line = await process.StandardOutput.ReadLineAsync(cts.Token);
            Assert.Matches("^listening http://127\\.0\\.0\\.1:[0-9]+$", line);
            var address = line!["listening ".Length..];
            using var http = new HttpClient();

            var set = await http.PostAsync(address + "/_scenario", new StringContent("500"), cts.Token);
            Assert.True(set.IsSuccessStatusCode);
            var chat = await http.PostAsync(address + "/v1/chat/completions",
                new StringContent("""{"model":"m","messages":[{"role":"user","content":"<transcript>\nhi\n</transcript>"}]}""", Encoding.UTF8, "application/json"), cts.Token);
            Assert.Equal(500, (int)chat.StatusCode);
            Assert.Equal(400, (int)(await http.PostAsync(address + "/_scenario", new StringContent("nonsense"), cts.Token)).StatusCode);
            var recorded = await http.GetStringAsync(address + "/_requests", cts.Token);
            Assert.Contains("\"Transcript\":\"hi\"", recorded);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public void Clean_applies_the_vocabulary_it_finds_in_the_prompt()
    {
        List<(string, string)> messages =
        [
            ("system", "rules\n<vocabulary>\n- getUserById\n- package.json (said as \"package dot json\")\n- snake_case_name\n</vocabulary>"),
            ("user", "<transcript>\ncall get user by id on package dot json and snake case name &amp; more\n</transcript>"),
        ];
        var transcript = FakeLlmBrain.FindTranscript(messages);
        Assert.Equal("call get user by id on package dot json and snake case name & more", transcript);
        Assert.Equal("Call getUserById on package.json and snake_case_name & more.", FakeLlmBrain.Clean(transcript, FakeLlmBrain.FindVocabulary(messages)));
    }
}
