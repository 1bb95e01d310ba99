using System.Text;

namespace Wispr.Sidecar.Cleanup;

/// <summary>
/// Whisper's initial prompt: the user's prompt, then the vocabulary's spellings, so the recogniser already leans towards
/// "getUserById" and "GitHub". Whisper reads at most 224 prompt tokens and drops the earliest beyond that; identifiers cost
/// about one token per 2–3 characters, so the whole prompt is capped by characters, dictionary entries first (the user
/// wrote them down), then identifiers nearest first. Parakeet ignores prompts.
/// </summary>
public static class WhisperPrompt
{
    public const int MaxChars = 500;

    /// <summary>Of <see cref="MaxChars"/>, what the text recognised so far may take when a dictation is recognised in segments.</summary>
    public const int MaxPrecedingChars = 200;

    /// <summary>
    /// The prompt for a later segment of a dictation: the prompt <see cref="Build(string?, VocabularySpec?, int)"/> makes, shortened
    /// to leave room, then the tail of the text recognised so far (last: Whisper weighs the nearest context most, and it is
    /// what the segment continues).
    /// </summary>
    public static string? Build(string? prompt, VocabularySpec? vocabulary, string? preceding)
    {
        preceding = preceding?.Trim();
        if (string.IsNullOrEmpty(preceding))
            return Build(prompt, vocabulary);
        if (preceding.Length > MaxPrecedingChars)
        {
            var tail = preceding[^MaxPrecedingChars..];
            int space = tail.IndexOf(' ', StringComparison.Ordinal);
            preceding = (space >= 0 && space < tail.Length - 1 ? tail[(space + 1)..] : tail).Trim();
        }
        var head = Build(prompt, vocabulary, MaxChars - preceding.Length - 1);
        return head is null ? preceding : $"{head} {preceding}";
    }

    public static string? Build(string? prompt, VocabularySpec? vocabulary, int maxChars = MaxChars)
    {
        prompt = prompt?.Trim();
        // Whisper keeps only the last 224 tokens of a prompt, but tokenizes all of it first (a 1 MB prompt held the backend for
        // 153 s): only the tail it would read goes on, cut at a word boundary.
        if (prompt is { Length: > 0 } && prompt.Length > maxChars)
        {
            var tail = prompt[^maxChars..];
            int space = tail.IndexOf(' ', StringComparison.Ordinal);
            prompt = (space >= 0 && space < tail.Length - 1 ? tail[(space + 1)..] : tail).Trim();
        }
        var sb = new StringBuilder(string.IsNullOrWhiteSpace(prompt) ? "" : prompt);
        if (vocabulary is null || sb.Length >= maxChars)
            return sb.Length == 0 ? null : sb.ToString();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var words = (vocabulary.Dictionary ?? []).Select(d => d.Written).Concat(vocabulary.Identifiers ?? []);
        int before = sb.Length;
        foreach (var raw in words)
        {
            var word = raw?.Trim();
            // A plain lower-case word is spelled right anyway; it would only spend the budget.
            if (string.IsNullOrEmpty(word) || word.Length > 64 || word.All(c => char.IsLower(c)) || !seen.Add(word))
                continue;
            string sep = sb.Length == before ? (sb.Length == 0 ? "" : (".!?".Contains(sb[^1]) ? " " : ". ")) : ", ";
            if (sb.Length + sep.Length + word.Length + 1 > maxChars)
                break;
            sb.Append(sep).Append(word);
        }
        if (sb.Length > before)
            sb.Append('.');
        return sb.Length == 0 ? null : sb.ToString();
    }
}
