using Microsoft.Extensions.DependencyInjection;
using Wispr.Sidecar.Dictation;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Cli;

/// <summary>`transcribe FILE.wav`: the same services as the server, in process, text on stdout.</summary>
public static class TranscribeCommand
{
    public static async Task<int> RunAsync(string path, SidecarOptions options, Stream output)
    {
        var builder = SidecarProgram.CreateBuilder(options);
        await using var services = builder.Services.BuildServiceProvider();
        try
        {
            var result = await services.GetRequiredService<DictationService>()
                .TranscribeFileAsync(Path.GetFullPath(path), null, null, null, CancellationToken.None).ConfigureAwait(false);
            await using var stdout = new StreamWriter(output, leaveOpen: true);
            await stdout.WriteLineAsync(result.Text).ConfigureAwait(false);
            Console.Error.WriteLine($"({result.AudioDurationMs / 1000.0:0.0} s of audio, {result.Backend} {Path.GetFileName(result.ModelPath)}, " +
                                    $"load {result.Timings.LoadMs} ms, recognition {result.Timings.AsrMs} ms)");
            return ServerExitCodes.Ok;
        }
        catch (WisprException ex)
        {
            Console.Error.WriteLine($"error {ex.Code}: {ex.Message}");
            return ServerExitCodes.Failed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One line, like the server's -32603: a bug should still not end the CLI with an unhandled-exception dump.
            Console.Error.WriteLine($"error {WisprErrorCodes.InternalError}: {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
            return ServerExitCodes.Failed;
        }
    }
}
