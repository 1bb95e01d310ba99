using System.Text;
using NAudio.Wave;
using Wispr.Sidecar.Audio;

namespace Wispr.Bench;

/// <summary>A benchmark utterance: real speech cut to a length, with an approximate reference transcript.</summary>
/// <param name="TokenCount">Whisper BPE tokens of <paramref name="Reference"/> (see <see cref="VocabTokenizer"/>).</param>
/// <param name="DecodeSteps">Decoder steps a real model would take: the text tokens plus a start and end timestamp and end-of-text.</param>
public sealed record Utterance(int Seconds, string WavPath, double DurationSeconds, string Reference, int TokenCount, int DecodeSteps);

/// <summary>
/// Cuts 2, 5, 15 and 30 s utterances from one stream of real speech: samples/jfk.wav followed by the five LibriVox
/// utterances, each with its transcript. Cuts are by time from the start of the stream (not at word boundaries), so a cut
/// may split a word. Word times are not known, so each file's words are spread evenly over its duration and the reference
/// keeps the words whose estimated midpoint lies before the cut: an approximation, good to about a word at each end.
/// </summary>
public static class Speech
{
    public static readonly int[] Lengths = [2, 5, 15, 30];

    /// <summary>Whisper.cpp's own cap on tokens per 30 s window (n_text_ctx / 2 - 4); a capped decode must stay under it.</summary>
    public const int MaxDecodeSteps = 220;

    public static IReadOnlyList<Utterance> Build(string root, string outputDir, VocabTokenizer tokenizer, IEnumerable<int> lengths)
    {
        var sources = new List<(string Wav, string Text)>
        {
            (Path.Combine(root, "samples/jfk.wav"), File.ReadAllText(Path.Combine(root, "samples/jfk.txt")).Trim()),
        };
        var librivox = Path.Combine(root, "tests/fixtures/audio/librivox");
        foreach (var line in File.ReadAllLines(Path.Combine(librivox, "transcripts.tsv")))
        {
            var tab = line.IndexOf('\t');
            if (tab > 0)
                sources.Add((Path.Combine(librivox, line[..tab] + ".wav"), line[(tab + 1)..].Trim()));
        }

        var pcm = new List<float>();
        var words = new List<(double Mid, string Word)>();
        var needed = lengths.DefaultIfEmpty(0).Max() * WavDecoder.SampleRate;
        // Longer than the 35.7 s of speech there is (60 s): the stream starts over, so later seconds repeat earlier speech.
        var looped = Enumerable.Range(0, 4).SelectMany(_ => sources).ToList();
        foreach (var (wav, text) in looped)
        {
            if (pcm.Count >= needed && pcm.Count > 0)
                break;
            var samples = WavDecoder.ReadMono16k(wav);
            var start = pcm.Count / (double)WavDecoder.SampleRate;
            var duration = samples.Length / (double)WavDecoder.SampleRate;
            var fileWords = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < fileWords.Length; i++)
                words.Add((start + duration * (i + 0.5) / fileWords.Length, fileWords[i]));
            pcm.AddRange(samples);
        }

        Directory.CreateDirectory(outputDir);
        var result = new List<Utterance>();
        foreach (var seconds in lengths)
        {
            var count = seconds * WavDecoder.SampleRate;
            if (count > pcm.Count)
                throw new InvalidOperationException($"only {pcm.Count / WavDecoder.SampleRate} s of speech; cannot cut {seconds} s");
            var path = Path.Combine(outputDir, $"utterance-{seconds:00}s.wav");
            WriteWav(path, pcm.GetRange(0, count));
            var reference = string.Join(' ', words.Where(w => w.Mid < seconds).Select(w => w.Word));
            var tokens = tokenizer.Count(reference);
            var steps = tokens + 3;
            if (steps >= MaxDecodeSteps)
                throw new InvalidOperationException($"{seconds} s needs {steps} decoder steps, over whisper.cpp's {MaxDecodeSteps} per window");
            result.Add(new Utterance(seconds, path, seconds, reference, tokens, steps));
        }

        return result;
    }

    internal static void WriteWav(string path, List<float> samples)
    {
        using var writer = new WaveFileWriter(path, new WaveFormat(WavDecoder.SampleRate, 16, 1));
        foreach (var s in samples)
            writer.WriteSample(s); // NAudio converts to the file's 16-bit PCM
    }
}

/// <summary>
/// Counts Whisper tokens roughly the way its byte-level BPE would: each word with its leading space is split greedily into
/// the longest pieces found in the ggml file's vocabulary. Greedy longest match is not BPE's merge order, but on English
/// it lands within a few percent of the true count (most words are one token with their space), which is enough to size
/// a decode.
/// </summary>
public sealed class VocabTokenizer
{
    private readonly HashSet<string> _tokens;
    private readonly int _longest;

    private VocabTokenizer(HashSet<string> tokens)
    {
        _tokens = tokens;
        _longest = tokens.Max(t => t.Length);
    }

    /// <summary>Reads the vocabulary of a legacy ggml Whisper file: header, mel filters, then length-prefixed tokens.</summary>
    public static VocabTokenizer FromGgml(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        reader.ReadBytes(4 + 11 * 4); // magic and hyper-parameters
        var nMel = reader.ReadInt32();
        var nFft = reader.ReadInt32();
        reader.ReadBytes(checked(nMel * nFft * sizeof(float)));
        var count = reader.ReadInt32();
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var length = reader.ReadInt32();
            // Byte-level pieces that are not valid UTF-8 on their own decode to U+FFFD and never match a word: harmless.
            tokens.Add(Encoding.UTF8.GetString(reader.ReadBytes(length)));
        }

        return new VocabTokenizer(tokens);
    }

    public int Count(string text)
    {
        var total = 0;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var piece = " " + word;
            var at = 0;
            while (at < piece.Length)
            {
                var length = Math.Min(_longest, piece.Length - at);
                while (length > 1 && !_tokens.Contains(piece.Substring(at, length)))
                    length--;
                at += length; // a single character always counts as one token (byte fallback)
                total++;
            }
        }

        return total;
    }
}
