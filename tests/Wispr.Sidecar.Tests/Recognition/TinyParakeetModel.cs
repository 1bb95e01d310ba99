using System.Diagnostics;
using Xunit;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>
/// The tiny hand-weighted Parakeet TDT model of tools/parakeet-testmodel/make_tiny_parakeet.py, generated once per checkout into
/// .artifacts/models/parakeet-tiny (the folder scripts/lib.sh uses too). Generating needs /usr/bin/python3 with onnx and numpy
/// (Debian: python3-onnx python3-numpy); without them the Parakeet tests are skipped and say so.
/// </summary>
internal static class TinyParakeetModel
{
    /// <summary>What greedy TDT decoding of the tiny model yields for any input of at least 1.1 s (see the script's frame plan).</summary>
    public const string ExpectedText = "wispr talks to vs code";

    public static string Script => Path.Combine(RepoPaths.Root, "tools", "parakeet-testmodel", "make_tiny_parakeet.py");

    public static string Folder => Path.Combine(RepoPaths.Root, ".artifacts", "models", "parakeet-tiny");

    private static readonly Lazy<string?> Unavailable = new(Generate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Null when the model is there (made now if needed); otherwise why the Parakeet tests cannot run.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    private static string? Generate()
    {
        if (File.Exists(Path.Combine(Folder, "expected.json")) && File.GetLastWriteTimeUtc(Path.Combine(Folder, "expected.json")) >= File.GetLastWriteTimeUtc(Script))
            return null;
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
            return $"{python} is missing: install python3-onnx and python3-numpy to build the tiny Parakeet model";
        if (!Run(python, ["-c", "import onnx, numpy"], out _))
            return $"{python} lacks the onnx or numpy module: apt-get install python3-onnx python3-numpy to build the tiny Parakeet model";
        var temp = Folder + ".tmp-" + Environment.ProcessId;
        if (!Run(python, [Script, temp], out var log))
            throw new InvalidOperationException($"make_tiny_parakeet.py failed: {log}");
        if (Directory.Exists(Folder))
            Directory.Delete(Folder, recursive: true);
        Directory.Move(temp, Folder);
        return null;
    }

    private static bool Run(string file, string[] args, out string output)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        output += stderr.Result;
        return process.ExitCode == 0;
    }

    /// <summary>Copies the model to a fresh folder that a test may damage.</summary>
    public static string CopyTo(string parent)
    {
        var target = Path.Combine(parent, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(Folder))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }
}

/// <summary>A fact that needs the tiny Parakeet model; skipped with the reason when /usr/bin/python3 cannot build it.</summary>
public sealed class ParakeetFactAttribute : FactAttribute
{
    public ParakeetFactAttribute()
    {
        if (TinyParakeetModel.UnavailableReason is { } reason)
            Skip = reason;
    }
}

/// <summary>A fact that needs a real Parakeet TDT model folder: skipped unless WISPR_TEST_PARAKEET_MODEL_PATH names one.</summary>
public sealed class RealParakeetFactAttribute : FactAttribute
{
    public const string EnvironmentVariable = "WISPR_TEST_PARAKEET_MODEL_PATH";

    public RealParakeetFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentVariable)))
            Skip = "set WISPR_TEST_PARAKEET_MODEL_PATH to a real Parakeet TDT ONNX folder (istupakov/parakeet-tdt-0.6b-v2-onnx) to run the accuracy test";
    }

    public static string ModelPath => Environment.GetEnvironmentVariable(EnvironmentVariable)!;
}
