using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Wispr.Sidecar.Cli;
using Wispr.Sidecar.Hosting;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar;

public static class SidecarProgram
{
    private const string Usage = """
        Wispr sidecar: speech to text for the wispr-vscode extension.

        Usage:
          Wispr.Sidecar [serve] [options]          serve JSON-RPC on stdin/stdout (what the extension runs)
          Wispr.Sidecar transcribe FILE.wav [options]
                                                   print the transcript of a WAV file (in process)
          Wispr.Sidecar dictate FILE.wav [options] [--fast]
                                                   dictate a WAV file through a child sidecar over JSON-RPC, the path
                                                   the extension uses; prints the text and the time from stop to text
          Wispr.Sidecar dictate-mic FILE.wav [options] [--repeat N] [--device ID]
                                                   dictate from the microphone while paplay plays FILE into the default
                                                   output (scripts/pulse-test-server.sh makes its monitor the default
                                                   microphone); prints release-to-text per take and memory after 1 and N
        Options:
          --backend ID            whisper (default), parakeet, or remote (an OpenAI-compatible transcription server)
          --remoteUrl URL         the remote backend's server, e.g. http://gpu-box:8000/v1 (WISPR_REMOTE_BASE_URL also sets
                                  it; its key only from WISPR_REMOTE_API_KEY)
          --remoteModel NAME      the model name sent to that server (default whisper-1)
          --model PATH            the model of the --backend chosen: for whisper a local ggml model (default: ggml-base.en.bin
                                  in the user cache, downloaded once; WISPR_MODEL_PATH also sets it)
          --parakeetModel DIR     a Parakeet TDT ONNX folder (encoder-model.onnx, decoder_joint-model.onnx, vocab.txt;
                                  default: parakeet-tdt-0.6b-v2 in the user cache; WISPR_PARAKEET_MODEL_PATH also sets it)
          --cpu                   stay on the CPU even in a GPU build (-p:WisprCuda=true)
          --gpu                   ask for the GPU in a CPU build too (a CUDA whisper.cpp placed under runtimes/cuda/<rid>/)
          --logLevel LEVEL        trace|debug|information|warning|error (default information); logs go to stderr
          --clientProcessId PID   exit when this process exits
          --threads N             recognition threads; 0 = auto (default): min(physical cores, 4), one fewer when the
                                  load average says the machine is oversubscribed
          --audioContext fit|full Whisper's encoder window: fit = the clip's length + 64 positions (default), full = 30 s
          --maxRecordingSeconds N longest recording kept (default 600)
        """;

    public static async Task<int> RunAsync(string[] args, Stream input, Stream output)
    {
        if (args is ["--help" or "-h" or "help", ..])
        {
            Console.Error.WriteLine(Usage);
            return ServerExitCodes.Ok;
        }
        if (args is ["--version", ..])
        {
            Console.Error.WriteLine(SidecarRpcTarget.SidecarVersion);
            return ServerExitCodes.Ok;
        }
        var verb = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "serve";
        var rest = verb == "serve" && (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) ? args : args[1..];
        SidecarOptions options;
        List<string> positional;
        bool fast = rest.Contains("--fast");
        int repeat = 1;
        string? device = null;
        try
        {
            var remaining = new List<string>();
            for (int i = 0; i < rest.Length; i++)
            {
                if (rest[i] == "--fast")
                    continue;
                if (verb == "dictate-mic" && rest[i] is "--repeat" or "--device" && i + 1 < rest.Length)
                {
                    if (rest[i] == "--repeat")
                        repeat = Math.Max(1, int.Parse(rest[++i]));
                    else
                        device = rest[++i];
                    continue;
                }
                remaining.Add(rest[i]);
            }
            (options, positional) = SidecarOptions.Parse(remaining);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"error: {ex.Message}\n\n{Usage}");
            return ServerExitCodes.BadArguments;
        }

        switch (verb)
        {
            case "serve":
                return await ServeAsync(options, input, output).ConfigureAwait(false);
            case "transcribe" when positional.Count == 1:
                return await TranscribeCommand.RunAsync(positional[0], options, output).ConfigureAwait(false);
            case "dictate" when positional.Count == 1:
                return await DictateCommand.RunAsync(positional[0], options, realtime: !fast, output).ConfigureAwait(false);
            case "dictate-mic" when positional.Count == 1:
                return await MicDictateCommand.RunAsync(positional[0], options, repeat, device, output).ConfigureAwait(false);
            default:
                Console.Error.WriteLine($"error: unknown command or missing file: {string.Join(' ', args)}\n\n{Usage}");
                return ServerExitCodes.BadArguments;
        }
    }

    /// <summary>Builds the host that every verb shares, with logging on stderr only.</summary>
    public static HostApplicationBuilder CreateBuilder(SidecarOptions options)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddWisprSidecar(options);
        return builder;
    }

    private static async Task<int> ServeAsync(SidecarOptions options, Stream input, Stream output)
    {
        var builder = CreateBuilder(options);
        builder.Services.AddSingleton(new RpcStreams(input, output));
        builder.Services.AddHostedService<RpcHostedService>();
        using var host = builder.Build();
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Wispr.Sidecar");
        log.LogInformation("Wispr sidecar {Version} ({Runtime}) at {Path}, pid {Pid}, backend {Backend}, model {Model}",
            SidecarRpcTarget.SidecarVersion, System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            Environment.ProcessPath, Environment.ProcessId, options.Backend, options.ModelPath ?? "(default)");
        var exit = host.Services.GetRequiredService<SidecarExit>(); // RunAsync disposes the services
        try
        {
            await host.RunAsync().ConfigureAwait(false);
            return exit.Code;
        }
        catch (Exception ex)
        {
            log.LogCritical(ex, "Sidecar failed");
            return ServerExitCodes.Failed;
        }
    }

    /// <summary>How to start this same program as a child: its apphost, or `dotnet Wispr.Sidecar.dll` when run that way.</summary>
    public static ProcessStartInfo SelfStartInfo()
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var isDotnetHost = Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var psi = new ProcessStartInfo(processPath);
        if (isDotnetHost)
            psi.ArgumentList.Add(typeof(SidecarProgram).Assembly.Location);
        return psi;
    }
}
