using System.Globalization;

namespace Wispr.Bench;

/// <summary>
/// The one command-line parser of both benchmarks: the options they share (--reps, --quick, --lengths, --root, --sidecar,
/// --out, --help) and each one's own (<c>own</c>: option → what its value sets), the usage on a bad argument, and the paths
/// resolved against the repository.
/// </summary>
internal sealed class BenchArgs
{
    private readonly HashSet<string> _given = [];

    public int Reps { get; private set; }
    public bool Quick { get; private set; }
    public int[] Lengths { get; private set; } = [];
    public string Root { get; private set; } = "";
    public string SidecarDll { get; private set; } = "";
    public string OutDir { get; private set; } = "";

    /// <summary>Whether the command line named <paramref name="option"/> (a quick run keeps what was asked for explicitly).</summary>
    public bool Given(string option) => _given.Contains(option);

    /// <summary>
    /// Parses <paramref name="args"/> and resolves the paths. Null when the run ends here, with <paramref name="exit"/>: 0 after
    /// --help, 2 after a bad argument (usage printed), 1 when there is no sidecar to run.
    /// </summary>
    /// <param name="validate">Checks on the parsed values; an <see cref="ArgumentException"/> is reported like a bad argument.</param>
    /// <param name="buildHint">How to build the sidecar, for the "no sidecar" message.</param>
    public static BenchArgs? Parse(string[] args, string usage, int reps, int[] lengths, Func<string> findRoot, string buildHint, out int exit,
        IReadOnlyDictionary<string, Action<string>>? own = null, Action<BenchArgs>? validate = null)
    {
        var parsed = new BenchArgs { Reps = reps, Lengths = lengths };
        string? root = null, sidecar = null, outDir = null;
        exit = 0;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                var option = args[i];
                parsed._given.Add(option);
                switch (option)
                {
                    case "--reps": parsed.Reps = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                    case "--quick": parsed.Quick = true; break;
                    case "--lengths": parsed.Lengths = Ints(Value()); break;
                    case "--root": root = Value(); break;
                    case "--sidecar": sidecar = Value(); break;
                    case "--out": outDir = Value(); break;
                    case "-h" or "--help": Console.WriteLine(usage); return null;
                    default:
                        if (own is null || !own.TryGetValue(option, out var set))
                            throw new ArgumentException($"unknown argument '{option}'");
                        set(Value());
                        break;
                }
            }
            if (parsed.Reps < 1)
                throw new ArgumentException("--reps must be at least 1");
            validate?.Invoke(parsed);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"{ex.Message}\n{usage}");
            exit = 2;
            return null;
        }

        parsed.Root = Path.GetFullPath(root ?? findRoot());
        parsed.SidecarDll = Path.GetFullPath(sidecar ?? Path.Combine(parsed.Root, "sidecar/Wispr.Sidecar/bin/Release/net10.0/Wispr.Sidecar.dll"));
        parsed.OutDir = Path.GetFullPath(outDir ?? Path.Combine(parsed.Root, ".artifacts/bench"));
        if (!File.Exists(parsed.SidecarDll))
        {
            Console.Error.WriteLine($"no sidecar at {parsed.SidecarDll}; build it first ({buildHint})");
            exit = 1;
            return null;
        }
        return parsed;
    }

    /// <summary>Prints the report and writes it to <see cref="OutDir"/>/<paramref name="fileName"/>; returns its path.</summary>
    public string WriteReport(string fileName, string markdown)
    {
        Console.WriteLine();
        Console.WriteLine(markdown);
        Directory.CreateDirectory(OutDir);
        var path = Path.Combine(OutDir, fileName);
        File.WriteAllText(path, markdown);
        return path;
    }

    /// <summary>"5,15,30" → [5, 15, 30].</summary>
    public static int[] Ints(string value) => value.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
