using System.Text;
using System.Text.Json;
using Wispr.Sidecar.Models;
using Wispr.Sidecar.Rpc;

namespace Wispr.Sidecar.Recognition.Parakeet;

/// <summary>
/// The files of a Parakeet TDT model folder in the public ONNX export (istupakov/parakeet-tdt-0.6b-v2-onnx, the one onnx-asr
/// and Handy load): the encoder (full precision with its external data, or int8), the decoder+joint network, the vocabulary
/// and an optional config.json.
/// </summary>
public sealed record ParakeetModelLayout(string Folder, string EncoderPath, string DecoderJointPath, string VocabPath, string? ConfigPath)
{
    public const string DefaultFolderName = "parakeet-tdt-0.6b-v2";
    public const string PublicAddress = "https://huggingface.co/istupakov/parakeet-tdt-0.6b-v2-onnx";
    public static readonly string[] EncoderNames = ["encoder-model.onnx", "encoder-model.int8.onnx"];
    public static readonly string[] DecoderJointNames = ["decoder_joint-model.onnx", "decoder_joint-model.int8.onnx"];
    public const string VocabName = "vocab.txt";
    public const string ConfigName = "config.json";

    /// <summary>The default folder in the user cache.</summary>
    public static string DefaultFolder() => Path.Combine(ModelCatalog.CacheDirectory(), DefaultFolderName);

    /// <summary>Total size on disk of every file the model uses (external data included).</summary>
    public long SizeBytes()
    {
        long total = 0;
        foreach (var file in Directory.EnumerateFiles(Folder))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith("encoder-model", StringComparison.Ordinal) && !IsOtherVariant(name, EncoderPath)
                || name.StartsWith("decoder_joint-model", StringComparison.Ordinal) && !IsOtherVariant(name, DecoderJointPath)
                || name is VocabName or ConfigName)
                total += new FileInfo(file).Length;
        }
        return total;

        // encoder-model.onnx uses encoder-model.onnx.data; the int8 file is self-contained. Count only what is loaded.
        static bool IsOtherVariant(string name, string used) => !name.StartsWith(Path.GetFileName(used), StringComparison.Ordinal);
    }

    /// <summary>Finds the files in <paramref name="path"/> (a folder). A missing folder or file is ModelNotFound; a file of another kind is ModelInvalid.</summary>
    public static ParakeetModelLayout Locate(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            var kind = SniffFile(full);
            throw new WisprException(WisprErrorCodes.ModelInvalid,
                $"Parakeet needs a model folder, but '{full}' is a file{kind}. Point wispr.parakeet.modelPath (or --parakeetModel) at the folder " +
                $"holding {EncoderNames[0]}, {DecoderJointNames[0]} and {VocabName}.");
        }
        if (!Directory.Exists(full))
            throw NotFound(full, $"the folder '{full}' does not exist");

        string? Find(string[] names) => names.Select(n => Path.Combine(full, n)).FirstOrDefault(File.Exists);
        var encoder = Find(EncoderNames);
        var decoder = Find(DecoderJointNames);
        var vocab = Path.Combine(full, VocabName);
        var missing = new List<string>();
        if (encoder is null) missing.Add($"{EncoderNames[0]} (or {EncoderNames[1]})");
        if (decoder is null) missing.Add($"{DecoderJointNames[0]} (or {DecoderJointNames[1]})");
        if (!File.Exists(vocab)) missing.Add(VocabName);
        if (missing.Count > 0)
        {
            if (Directory.EnumerateFiles(full, "ggml-*.bin").Any() && missing.Count == 3)
                throw new WisprException(WisprErrorCodes.ModelInvalid,
                    $"'{full}' holds Whisper ggml models, not a Parakeet ONNX export; use it as wispr.whisper.modelPath instead.");
            throw NotFound(full, $"'{full}' lacks {string.Join(", ", missing)}");
        }
        var config = Path.Combine(full, ConfigName);
        return new ParakeetModelLayout(full, encoder!, decoder!, vocab, File.Exists(config) ? config : null);
    }

    private static WisprException NotFound(string folder, string what) => new(WisprErrorCodes.ModelNotFound,
        $"Parakeet model not found: {what}. Download {EncoderNames[0]} with {EncoderNames[0]}.data (or {EncoderNames[1]}), " +
        $"{DecoderJointNames[0]} (or its int8 form), {VocabName} and {ConfigName} from {PublicAddress} into {folder}, " +
        "or set wispr.parakeet.modelPath (sidecar: --parakeetModel DIR) to a folder that has them.");

    private static string SniffFile(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            if (stream.Read(magic) == 4 && BitConverter.ToUInt32(magic) == 0x67676d6c)
                return " (a Whisper ggml model, which belongs in wispr.whisper.modelPath)";
        }
        catch (IOException)
        {
        }
        return "";
    }
}

/// <summary>What config.json says (onnx-asr's keys), with the Parakeet TDT defaults for any key that is absent.</summary>
public sealed record ParakeetConfig(int FeaturesSize = 128, int SubsamplingFactor = 8, int MaxTokensPerStep = 10, string? ModelType = null)
{
    public static ParakeetConfig Read(string? path)
    {
        if (path is null)
            return new ParakeetConfig();
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            int Int(string key, int fallback) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;
            var type = root.TryGetProperty("model_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var config = new ParakeetConfig(Int("features_size", 128), Int("subsampling_factor", 8), Int("max_tokens_per_step", 10), type);
            if (type is not null && !type.Contains("tdt", StringComparison.OrdinalIgnoreCase))
                throw new WisprException(WisprErrorCodes.ModelInvalid,
                    $"{path} says model_type \"{type}\": this backend runs Parakeet TDT models (model_type \"nemo-conformer-tdt\").");
            if (config.FeaturesSize is < 1 or > 1024 || config.SubsamplingFactor is < 1 or > 64 || config.MaxTokensPerStep < 1)
                throw new WisprException(WisprErrorCodes.ModelInvalid, $"{path} has out-of-range values: {config}.");
            return config;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new WisprException(WisprErrorCodes.ModelInvalid, $"{path} is not valid JSON: {ex.Message}", ex);
        }
    }
}

/// <summary>vocab.txt: one "token id" per line, ids 0..n-1; U+2581 starts a word; "&lt;blk&gt;" (else the last id) is the blank.</summary>
public sealed class ParakeetVocabulary
{
    private readonly string[] _tokens;

    private ParakeetVocabulary(string[] tokens, int blank)
    {
        _tokens = tokens;
        Blank = blank;
    }

    public int Count => _tokens.Length;
    public int Blank { get; }
    public string this[int id] => _tokens[id];

    public static ParakeetVocabulary Read(string path)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        var tokens = new Dictionary<int, string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
                continue;
            var space = line.LastIndexOf(' ');
            if (space <= 0 || !int.TryParse(line.AsSpan(space + 1), out var id) || id < 0 || !tokens.TryAdd(id, line[..space]))
                throw new WisprException(WisprErrorCodes.ModelInvalid,
                    $"{path} line {i + 1} is not \"token id\" with a new id: '{Truncate(line)}'. Is this a Parakeet vocab.txt?");
        }
        if (tokens.Count < 2)
            throw new WisprException(WisprErrorCodes.ModelInvalid, $"{path} has {tokens.Count} tokens; a Parakeet vocabulary has hundreds.");
        var array = new string[tokens.Count];
        foreach (var (id, token) in tokens)
        {
            if (id >= array.Length)
                throw new WisprException(WisprErrorCodes.ModelInvalid, $"{path}: ids are not 0..{array.Length - 1} (found {id}).");
            array[id] = token;
        }
        var blank = Array.IndexOf(array, "<blk>");
        return new ParakeetVocabulary(array, blank >= 0 ? blank : array.Length - 1);
    }

    /// <summary>Joins tokens the way onnx-asr does: ▁ becomes a space; no space at the start or before punctuation.</summary>
    public string Detokenize(IEnumerable<int> ids)
    {
        var joined = string.Concat(ids.Select(i => _tokens[i])).Replace('\u2581', ' ');
        return SpacePattern.Replace(joined, m => m.Groups[1].Success ? " " : "");
    }

    private static readonly System.Text.RegularExpressions.Regex SpacePattern = new(@"\A\s|\s\B|(\s)\b", System.Text.RegularExpressions.RegexOptions.Compiled);

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
