using System.Text.RegularExpressions;

namespace Wispr.Sidecar.Cleanup.Llm;

/// <summary>
/// Decides whether an LLM's answer is a cleaned version of what was said, deterministically and explainably.
/// First it strips what models commonly wrap around an answer (code fences, quotes, echoed tags, a "Sure! Here is the
/// cleaned text:" line); then it rejects (with a reason for the user) an answer that is
/// <list type="bullet">
/// <item>empty;</item>
/// <item>far from the transcript's length: under 40% (−20 characters of slack) or over 150% (+40) of it;</item>
/// <item>made of new words: more than a third of its content words (not stop words) come neither from the transcript nor
///   from the vocabulary — an answer, a poem, an obeyed instruction;</item>
/// <item>missing what was said: under 60% of the transcript's distinct content words survive (all but one for short texts);</item>
/// <item>an answer to a question: the transcript reads as a question, the answer brings new content words and either is a
///   statement that no longer opens like the question ("what is the capital of France" → "The capital of France is Paris.")
///   or has a sentence that is no question and mostly new words ("What is the capital of France? Paris.").</item>
/// </list>
/// Words are compared lower-case, identifiers split into their parts (getUserById ↔ "get user by id") and crudely stemmed
/// (-s, -es, -ed, -ing), so tense and plural fixes or the commit mode's imperative ("added" → "Add") are not new words.
/// </summary>
public static partial class AnswerValidator
{
    public const double MinLengthRatio = 0.4;
    public const int MinLengthSlack = 20;
    public const double MaxLengthRatio = 1.5;
    public const int MaxLengthSlack = 40;
    public const double MaxNovelShare = 1.0 / 3;
    public const double MinSurvivingShare = 0.6;

    /// <summary>The most characters an answer to <paramref name="input"/> may have; a streamed answer past it is abandoned early.</summary>
    public static int MaxAnswerChars(CleanupInput input) =>
        (int)(Math.Max(input.Text.Length, input.RawText?.Length ?? 0) * MaxLengthRatio) + MaxLengthSlack;

    /// <summary>
    /// Whether a streamed answer so far is already past <paramref name="maxChars"/>. A leading &lt;think&gt; block (a reasoning
    /// model's) does not count: it is dropped before validation, and the time budget bounds it anyway.
    /// </summary>
    public static bool PastLimit(string soFar, int maxChars)
    {
        if (soFar.Length <= maxChars) return false;
        var start = soFar.AsSpan().TrimStart();
        if (!start.StartsWith("<think>", StringComparison.Ordinal)) return true;
        var end = start.IndexOf("</think>", StringComparison.Ordinal);
        return end >= 0 && start.Length - end - "</think>".Length > maxChars;
    }

    /// <summary>Returns the answer, unwrapped, or throws <see cref="CleanupFailedException"/> saying why it is not a cleanup.</summary>
    public static string Validate(string? answer, CleanupInput input)
    {
        var text = Unwrap(answer ?? "", input.Text);
        if (input.Context?.Mode == PromptModes.Comment) text = StripCommentMarkers(text);
        if (text.Length == 0)
            throw new CleanupFailedException("the LLM returned an empty answer");

        var reference = input.Text.Trim();
        var longest = Math.Max(reference.Length, input.RawText?.Length ?? 0);
        var shortest = Math.Min(reference.Length, input.RawText?.Length is > 0 and var raw ? raw : reference.Length);
        if (text.Length > longest * MaxLengthRatio + MaxLengthSlack)
            throw new CleanupFailedException($"the LLM's answer was far longer than what was said ({text.Length} vs {reference.Length} characters)");
        if (text.Length < shortest * MinLengthRatio - MinLengthSlack)
            throw new CleanupFailedException($"the LLM's answer was far shorter than what was said ({text.Length} vs {reference.Length} characters)");

        var source = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in ContentWords(reference).Concat(ContentWords(input.RawText ?? ""))) source.Add(w);
        foreach (var w in VocabularyWords(input.Context?.Vocabulary)) source.Add(w);

        var answerWords = ContentWords(text).ToList();
        var novel = answerWords.Where(w => !source.Contains(w)).ToList();
        if (answerWords.Count > 0 && (double)novel.Count / answerWords.Count > MaxNovelShare)
            throw new CleanupFailedException(
                $"the LLM's answer is not a cleanup of what was said ({novel.Count} of its {answerWords.Count} words were never spoken; it may have answered or followed the dictation)");

        var spoken = ContentWords(reference).Distinct().ToList();
        var kept = new HashSet<string>(answerWords, StringComparer.Ordinal);
        var survived = spoken.Count(kept.Contains);
        var needed = spoken.Count <= 3 ? spoken.Count - 1 : (int)Math.Ceiling(spoken.Count * MinSurvivingShare);
        if (spoken.Count > 0 && survived < needed)
            throw new CleanupFailedException($"the LLM's answer dropped most of what was said ({survived} of {spoken.Count} words kept)");

        if (novel.Count > 0 && ReadsAsQuestion(reference) && AnswersTheQuestion(text, reference, source))
            throw new CleanupFailedException("the LLM answered the question in the dictation instead of cleaning it");

        return text;
    }

    /// <summary>Strips code fences, echoed transcript tags, quotes around the whole answer, a known chatter line, and escapes.</summary>
    internal static string Unwrap(string answer, string transcript)
    {
        var text = answer.Trim();
        // Reasoning models served locally (Ollama, vLLM) may put their thinking before the answer.
        var think = Think().Match(text);
        if (think.Success) text = text[think.Length..].Trim();
        var fence = Fence().Match(text);
        if (fence.Success) text = fence.Groups["body"].Value.Trim();
        var tags = TranscriptTags().Match(text);
        if (tags.Success) text = tags.Groups["body"].Value.Trim();

        var chatter = Chatter().Match(text);
        // Only when the speaker did not say it: "here is the plan: …" dictated stays.
        if (chatter.Success && !transcript.TrimStart().StartsWith(chatter.Value.TrimEnd().TrimEnd(':').Trim(), StringComparison.OrdinalIgnoreCase))
        {
            text = text[chatter.Length..].Trim();
            fence = Fence().Match(text);
            if (fence.Success) text = fence.Groups["body"].Value.Trim();
        }

        if (text.Length >= 2 && ((text[0] == '"' && text[^1] == '"') || (text[0] == '“' && text[^1] == '”')) && !transcript.TrimStart().StartsWith('"'))
            text = text[1..^1].Trim();
        // The prompt escapes the transcript; a model may copy the escapes back.
        if ((text.Contains("&lt;") || text.Contains("&gt;") || text.Contains("&amp;")) && !transcript.Contains('&'))
            text = text.Replace("&lt;", "<").Replace("&gt;", ">").Replace("&amp;", "&");
        return text;
    }

    /// <summary>
    /// In comment mode the extension adds the comment syntax itself, so markers the model added are taken off: a /* */ pair
    /// around the whole answer, or one marker (//, #, --, ;, *) that starts every line.
    /// </summary>
    internal static string StripCommentMarkers(string text)
    {
        var block = BlockComment().Match(text);
        if (block.Success) text = block.Groups["body"].Value.Trim();
        var lines = text.Split('\n');
        foreach (var marker in (string[])["///", "//", "#", "--", ";", "*"])
        {
            if (!lines.Where(l => l.Trim().Length > 0).All(l => l.TrimStart().StartsWith(marker + " ", StringComparison.Ordinal) || l.Trim() == marker))
                continue;
            return string.Join('\n', lines.Select(l => l.Trim().Length == 0 ? "" : l.TrimStart()[marker.Length..].Trim())).Trim();
        }
        return text;
    }

    /// <summary>The content words of a text: lower-case, identifiers split into parts (plus the whole), stemmed, stop words dropped.</summary>
    internal static IEnumerable<string> ContentWords(string text)
    {
        foreach (Match token in Token().Matches(text))
        {
            var parts = LlmPromptBuilder.Words(token.Value).ToList();
            if (parts.Count > 1)
            {
                var whole = Stem(string.Concat(parts));
                if (!StopWords.Contains(whole)) yield return whole;
            }
            foreach (var p in parts)
                if (!StopWords.Contains(p)) yield return Stem(p);
        }
    }

    private static IEnumerable<string> VocabularyWords(VocabularySpec? spec)
    {
        if (spec is null) yield break;
        foreach (var id in spec.Identifiers ?? [])
            foreach (var w in ContentWords(id ?? "")) yield return w;
        foreach (var e in spec.Dictionary ?? [])
            foreach (var w in ContentWords((e.Written ?? "") + " " + (e.Spoken ?? ""))) yield return w;
    }

    /// <summary>
    /// For a dictated question with new words in the answer: a statement that no longer opens like the question ("The capital
    /// of France is Paris."), or a sentence that is not a question and is mostly new words ("What is …? Paris.").
    /// </summary>
    private static bool AnswersTheQuestion(string answer, string question, HashSet<string> source)
    {
        var opener = LlmPromptBuilder.Words(question).First();
        if (!answer.Contains('?') && LlmPromptBuilder.Words(answer).FirstOrDefault() != opener)
            return true;
        foreach (Match sentence in Sentence().Matches(answer))
        {
            if (sentence.Value.TrimEnd().EndsWith('?')) continue;
            var words = ContentWords(sentence.Value).ToList();
            if (words.Count > 0 && words.Count(w => !source.Contains(w)) * 2 > words.Count)
                return true;
        }
        return false;
    }

    internal static bool ReadsAsQuestion(string text)
    {
        var t = text.Trim();
        if (t.Contains('?')) return true;
        var first = LlmPromptBuilder.Words(t).FirstOrDefault();
        return first is not null && QuestionOpeners.Contains(first);
    }

    private static string Stem(string w)
    {
        if (w.Length > 5 && w.EndsWith("ing")) return w[..^3];
        if (w.Length > 4 && w.EndsWith("ed")) return w[..^2];
        if (w.Length > 4 && w.EndsWith("es")) return w[..^2];
        if (w.Length > 3 && w.EndsWith('s') && !w.EndsWith("ss")) return w[..^1];
        return w;
    }

    private static readonly HashSet<string> QuestionOpeners = new(StringComparer.Ordinal)
    {
        "what", "who", "whom", "whose", "where", "when", "why", "how", "which", "is", "are", "was", "were", "can", "could",
        "would", "should", "do", "does", "did", "will", "shall", "may", "might", "have", "has",
    };

    // Function words, fillers and the spoken-punctuation words the rule cleaner turns into symbols: never evidence either way.
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "nor", "so", "yet", "if", "then", "than", "that", "this", "these", "those",
        "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "have", "has", "had",
        "i", "me", "my", "we", "us", "our", "you", "your", "he", "him", "his", "she", "her", "it", "its", "they", "them", "their",
        "there", "here", "what", "which", "who", "whom", "whose", "when", "where", "why", "how",
        "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "onto", "about", "as", "up", "down", "out", "off", "over",
        "not", "no", "yes", "all", "any", "some", "just", "also", "very", "too", "can", "could", "will", "would", "shall",
        "should", "may", "might", "must", "let", "lets", "s", "t", "d", "ll", "re", "ve", "m",
        "um", "uh", "er", "ah", "eh", "hmm", "mm", "okay", "ok", "oh", "well", "like", "actually", "basically", "really",
        "comma", "period", "dot", "colon", "semicolon", "new", "line", "paragraph", "quote", "open", "close", "paren",
    };

    [GeneratedRegex("^```[^\\n]*\\n(?<body>[\\s\\S]*?)\\n?```$")]
    private static partial Regex Fence();

    [GeneratedRegex("[^.!?\\n]+[.!?]*")]
    private static partial Regex Sentence();

    [GeneratedRegex("^<think>[\\s\\S]*?</think>")]
    private static partial Regex Think();

    [GeneratedRegex("^/\\*+(?<body>[\\s\\S]*?)\\*/$")]
    private static partial Regex BlockComment();

    [GeneratedRegex("^<transcript>(?<body>[\\s\\S]*?)</transcript>$")]
    private static partial Regex TranscriptTags();

    // "Sure! Here is the cleaned text:", "Here's the cleaned-up transcript:", "Cleaned text:", "Certainly. Below is the result:"
    [GeneratedRegex("^(?:(?:sure|certainly|of course|okay|ok|absolutely|alright)[!.,]?\\s*)?(?:(?:here(?:'s| is| are)|below is)[^\\n:]{0,60}|(?:the )?cleaned(?:[- ]up)? (?:text|transcript|version)(?: is)?):[ \\t]*\\n*", RegexOptions.IgnoreCase)]
    private static partial Regex Chatter();

    [GeneratedRegex("[\\p{L}\\p{N}_'.-]+")]
    private static partial Regex Token();
}
