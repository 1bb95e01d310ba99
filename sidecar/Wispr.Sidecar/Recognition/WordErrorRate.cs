using System.Globalization;
using System.Text;

namespace Wispr.Sidecar.Recognition;

/// <summary>Word-level edit counts between a reference and a hypothesis transcript.</summary>
/// <param name="ReferenceWords">Words in the normalised reference; the WER denominator.</param>
public sealed record WordErrorRateResult(int Substitutions, int Deletions, int Insertions, int ReferenceWords)
{
    public int Errors => Substitutions + Deletions + Insertions;

    /// <summary>(S + D + I) / N. An empty reference gives 0 for an empty hypothesis and 1 otherwise (every word is an error),
    /// so the value is always defined; it can exceed 1 when the hypothesis has many insertions.</summary>
    public double Wer => ReferenceWords == 0 ? (Insertions == 0 ? 0 : 1) : (double)Errors / ReferenceWords;
}

/// <summary>Word error rate as used for ASR accuracy: normalise both texts, then a word-level Levenshtein alignment.</summary>
public static class WordErrorRate
{
    public static WordErrorRateResult Compute(string reference, string hypothesis)
    {
        var r = Normalize(reference);
        var h = Normalize(hypothesis);

        // d[i, j] = edits turning r[..i] into h[..j]; two rows suffice, with op counts carried alongside.
        var prev = new Cell[h.Length + 1];
        var curr = new Cell[h.Length + 1];
        for (var j = 0; j <= h.Length; j++)
            prev[j] = new Cell(j, 0, 0, j);
        for (var i = 1; i <= r.Length; i++)
        {
            curr[0] = new Cell(i, 0, i, 0);
            for (var j = 1; j <= h.Length; j++)
            {
                if (r[i - 1] == h[j - 1])
                {
                    curr[j] = prev[j - 1];
                    continue;
                }

                var sub = prev[j - 1];
                var del = prev[j];
                var ins = curr[j - 1];
                // Ties prefer substitution, then deletion, then insertion: the conventional alignment (as in jiwer/sclite).
                if (sub.Cost <= del.Cost && sub.Cost <= ins.Cost)
                    curr[j] = sub with { Cost = sub.Cost + 1, S = sub.S + 1 };
                else if (del.Cost <= ins.Cost)
                    curr[j] = del with { Cost = del.Cost + 1, D = del.D + 1 };
                else
                    curr[j] = ins with { Cost = ins.Cost + 1, I = ins.I + 1 };
            }

            (prev, curr) = (curr, prev);
        }

        var end = prev[h.Length];
        return new WordErrorRateResult(end.S, end.D, end.I, r.Length);
    }

    /// <summary>Lower case, punctuation removed (apostrophes inside words kept: "don't" stays one word), whitespace collapsed.
    /// Numbers stay as written; "10" and "ten" differ.</summary>
    public static string[] Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        var lower = text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        for (var i = 0; i < lower.Length; i++)
        {
            var c = lower[i];
            if (char.IsLetterOrDigit(c))
                sb.Append(c);
            else if (c is '\'' or '’' && i > 0 && i + 1 < lower.Length && char.IsLetter(lower[i - 1]) && char.IsLetter(lower[i + 1]))
                sb.Append('\'');
            else if (CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark)
                sb.Append(c);
            else
                sb.Append(' '); // punctuation separates words ("well—maybe" is two words)
        }

        return sb.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private readonly record struct Cell(int Cost, int S, int D, int I);
}
