using System.Diagnostics;
using Wispr.ModelGen;
using Wispr.Sidecar.Recognition.Whisper;
using Wispr.Sidecar.Rpc;

// dotnet run --project tools/Wispr.ModelGen -- --shape test|tiny|base|large-v3-turbo --vocab PATH --out PATH [--seed N] [--never-end-text] [--nan-weights]
const string usage = "usage: Wispr.ModelGen --shape test|tiny|base|large-v3-turbo --vocab VOCAB_ONLY.bin --out MODEL.bin [--seed N] [--never-end-text] [--nan-weights]";

string? shapeName = null, vocab = null, output = null;
var seed = 1;
var neverEndText = false;
var nanWeights = false;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    try
    {
        switch (args[i])
        {
            case "--shape": shapeName = Value(); break;
            case "--vocab": vocab = Value(); break;
            case "--out": output = Value(); break;
            case "--seed": seed = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
            case "--never-end-text": neverEndText = true; break;
            case "--nan-weights": nanWeights = true; break;
            case "-h" or "--help": Console.WriteLine(usage); return 0;
            default: throw new ArgumentException($"unknown argument '{args[i]}'");
        }
    }
    catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
    {
        Console.Error.WriteLine($"{ex.Message}\n{usage}");
        return 2;
    }
}

if (shapeName is null || vocab is null || output is null)
{
    Console.Error.WriteLine(usage);
    return 2;
}

try
{
    var shape = WhisperShape.Parse(shapeName);
    var watch = Stopwatch.StartNew();
    var tensors = WhisperModelGenerator.Generate(vocab, output, shape, seed, GgmlType.F16, neverEndText, nanWeights);
    var generated = watch.Elapsed;
    var info = WhisperModelValidator.Validate(output);
    Console.WriteLine($"{output}: shape {shape.Name}, {tensors} tensors, {info.FileSize:N0} bytes, seed {seed}{(neverEndText ? ", never-end-text" : "")}, "
        + $"generated in {generated.TotalSeconds:F2} s, validated in {(watch.Elapsed - generated).TotalMilliseconds:F0} ms");
    return 0;
}
catch (Exception ex) when (ex is WisprException or ArgumentException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
