using System.Text;
using System.Text.RegularExpressions;

namespace Wispr.FakeLlm;

/// <summary>
/// The fake's "model": finds the transcript and the vocabulary in the prompt and answers as the scenario says. The
/// transcript is the text between the last <c>&lt;transcript&gt;</c> and <c>&lt;/transcript&gt;</c> (XML-escaped inside), or
/// the last user message; the vocabulary is the <c>- written</c> / <c>- written (said as "spoken")</c> lines between
/// <c>&lt;vocabulary&gt;</c> tags. Deterministic, so tests can assert the exact answer.
/// </summary>
public static partial class FakeLlmBrain
{
    public const string Wrapper = "Sure! Here is the cleaned text:\n\n";

    public const string FarAnswer =
        "The migration of arctic terns spans nearly the entire globe, from breeding grounds in the far north to feeding " +
        "waters off Antarctica. Over a lifetime a single bird may fly a distance equal to several trips to the moon and " +
        "back. Researchers tracking them with tiny geolocators found that they follow winding routes that take advantage " +
        "of prevailing winds rather than the shortest path, stopping in productive ocean regions to feed before moving on. " +
        "Their journeys remind us how little we still know about long-distance navigation in animals, and how much " +
        "patient fieldwork it takes to answer even simple questions about where creatures go and why.";

    public const string Poem =
        "Roses are red,\nviolets are blue,\nthe compiler is silent,\nand so are you.";

    /// <summary>The transcript the prompt carries (unescaped).</summary>
    public static string FindTranscript(IReadOnlyList<(string Role, string Text)> messages)
    {
        var all = string.Join("\n", messages.Select(m => m.Text));
        var end = all.LastIndexOf("</transcript>", StringComparison.Ordinal);
        var start = end < 0 ? -1 : all.LastIndexOf("<transcript>", end, StringComparison.Ordinal);
        if (start >= 0)
            return Unescape(all[(start + "<transcript>".Length)..end]).Trim();
        var user = messages.LastOrDefault(m => m.Role is "user");
        return (user.Text ?? all).Trim();
    }

    /// <summary>The vocabulary the prompt lists: (written, spoken or null).</summary>
    public static IReadOnlyList<(string Written, string? Spoken)> FindVocabulary(IReadOnlyList<(string Role, string Text)> messages)
    {
        var all = string.Join("\n", messages.Select(m => m.Text));
        var start = all.IndexOf("<vocabulary>", StringComparison.Ordinal);
        var end = start < 0 ? -1 : all.IndexOf("</vocabulary>", start, StringComparison.Ordinal);
        if (end < 0) return [];
        var list = new List<(string, string?)>();
        foreach (var line in all[(start + "<vocabulary>".Length)..end].Split('\n'))
        {
            var m = VocabLine().Match(line.Trim());
            if (m.Success)
                list.Add((Unescape(m.Groups["w"].Value), m.Groups["s"].Success ? Unescape(m.Groups["s"].Value) : null));
        }
        return list;
    }

    /// <summary>The "clean" answer: vocabulary spellings, a capital first letter, a final period.</summary>
    public static string Clean(string transcript, IReadOnlyList<(string Written, string? Spoken)> vocabulary)
    {
        var text = transcript.Trim();
        var rules = vocabulary
            .Select(v => (v.Written, Spoken: v.Spoken ?? SpokenForm(v.Written)))
            .Where(v => v.Spoken.Length > 0)
            .OrderByDescending(v => v.Spoken.Length);
        foreach (var (written, spoken) in rules)
        {
            var pattern = @"(?<![\w.])" + string.Join(@"\s+", spoken.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Regex.Escape)) + @"(?![\w])";
            text = Regex.Replace(text, pattern, written.Replace("$", "$$"), RegexOptions.IgnoreCase);
        }
        if (text.Length == 0) return text;
        text = char.ToUpperInvariant(text[0]) + text[1..];
        if (!".?!".Contains(text[^1])) text += ".";
        return text;
    }

    /// <summary>What the transcript says, done: the question answered or the poem written.</summary>
    public static string Obey(string transcript)
    {
        var t = transcript.ToLowerInvariant();
        if (t.Contains("poem")) return Poem;
        if (t.Contains("capital of france")) return "The capital of France is Paris.";
        return "Of course! I would be glad to help with that request. Here is a detailed answer covering everything you asked about.";
    }

    /// <summary>"getUserById" → "get user by id", "user_name" → "user name", "package.json" → "package json".</summary>
    public static string SpokenForm(string written)
    {
        var spaced = CamelBoundary().Replace(written, " ");
        var words = NonWord().Split(spaced).Where(w => w.Length > 0).Select(w => w.ToLowerInvariant());
        return string.Join(' ', words);
    }

    public static string Unescape(string s) => s.Replace("&lt;", "<").Replace("&gt;", ">").Replace("&quot;", "\"").Replace("&amp;", "&");

    [GeneratedRegex("^- (?<w>.+?)(?: \\(said as \"(?<s>[^\"]*)\"\\))?$")]
    private static partial Regex VocabLine();

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex CamelBoundary();

    [GeneratedRegex("[^\\p{L}\\p{N}]+")]
    private static partial Regex NonWord();
}
