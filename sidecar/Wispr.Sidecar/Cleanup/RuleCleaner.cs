using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Wispr.Sidecar.Cleanup;

/// <summary>
/// The offline cleaner, first stage of every cleanup (unless the mode is off): deterministic, no I/O, microseconds per
/// dictation. Passes, in order: filler words, stutters, the vocabulary's spellings, case commands, spoken punctuation and
/// operators, number words in code, then sentence shape for the prompt mode. No pass may change what was meant or drop a
/// word that is not a filler: a word a later pass turns into a symbol is never collapsed as a stutter, and a symbol word
/// with nothing to attach to stays a word. The rules (and the ambiguity choices) are listed in the README,
/// "Cleanup and your code's vocabulary"; the table test in tests/…/Cleanup/RuleCleanerTests.cs is their specification.
/// </summary>
public sealed partial class RuleCleaner : ITranscriptCleaner
{
    private readonly Func<VocabularySpec?, VocabularyMatcher> _matchers;

    /// <param name="matchers">Gives the vocabulary index for a context (the pipeline caches it); null builds one per call.</param>
    public RuleCleaner(Func<VocabularySpec?, VocabularyMatcher>? matchers = null) => _matchers = matchers ?? BuildMatcher;

    public string Name => "rules";

    public static VocabularyMatcher BuildMatcher(VocabularySpec? vocabulary) =>
        vocabulary is null ? VocabularyMatcher.Empty : new VocabularyMatcher(vocabulary.Identifiers ?? [], vocabulary.Dictionary ?? []);

    public ValueTask<string> CleanAsync(CleanupInput input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Clean(input.Text, input.Context));

    public string Clean(string text, DictationContext? context)
    {
        context ??= DictationContext.Empty;
        var mode = context.Mode?.ToLowerInvariant() switch
        {
            PromptModes.Comment => PromptModes.Comment,
            PromptModes.Commit => PromptModes.Commit,
            _ => PromptModes.Prose,
        };
        var s = new State(Tokenize(text), mode, context.LanguageId?.ToLowerInvariant() ?? "");
        RemoveFillers(s);
        RemoveStutters(s);
        ApplyVocabulary(s, _matchers(context.Vocabulary));
        ApplyCaseCommands(s);
        ApplySpokenSymbols(s);
        ApplyNumbers(s);
        Tidy(s);
        ShapeSentences(s);
        return Render(s.Tokens);
    }

    // ---- tokens -------------------------------------------------------------------------------------------------

    private enum Kind { Word, Punct, Break }

    private sealed class Token(string text, Kind kind)
    {
        public string Text = text;
        public Kind Kind = kind;
        /// <summary>For the recogniser's tokens: whether a space preceded it (kept, so "$5" or "(see" stay as written).</summary>
        public bool SpaceBefore;
        /// <summary>Made by a rule: spacing comes from the glue flags instead.</summary>
        public bool Produced;
        public bool GlueLeft, GlueRight;
        /// <summary>Code (an identifier, an operator, a joined "a.b"): never recased, and makes a following "equals" an operator.</summary>
        public bool Code;
        /// <summary>Ends a sentence (".", "?", "!", "。"…), as opposed to a "." that joins code.</summary>
        public bool Terminal;
        /// <summary>A quotation mark made from a spoken "quote"/"open quote" (true) or "unquote"/"close quote" (false).</summary>
        public bool? Quote;
        public string Lower => Text.ToLowerInvariant();
    }

    private sealed class State(List<Token> tokens, string mode, string languageId)
    {
        public List<Token> Tokens = tokens;
        public readonly string Mode = mode;
        public readonly string LanguageId = languageId;

        /// <summary>Prose mode into a programming language's file: the text is code, so no sentence shaping.</summary>
        public bool CodeTarget => Mode == PromptModes.Prose && LanguageId.Length > 0 && !ProseLanguages.Contains(LanguageId);
    }

    private static readonly HashSet<string> ProseLanguages =
        ["plaintext", "markdown", "latex", "tex", "restructuredtext", "asciidoc", "git-commit", "scminput", "text", "mdx"];

    private static readonly HashSet<string> Abbreviations = ["e.g", "i.e", "etc", "vs", "cf", "approx", "incl", "esp", "mr", "mrs", "ms", "dr", "st"];

    /// <summary>Sentence terminators of any script: Latin, full-width and ideographic (。！？｡．), Arabic, Devanagari, Ethiopic…</summary>
    private static readonly HashSet<string> Terminators =
        [".", "?", "!", "。", "！", "？", "｡", "．", "؟", "۔", "।", "॥", "።", "፧", "‼", "⁇", "⁈", "⁉", "՜", "՞", "։", "܀", "჻", "᙮"];

    // Marks (\p{M}) belong to their word: Devanagari, Thai and other scripts write vowels as combining marks.
    [GeneratedRegex(@"\r?\n|[\p{L}\p{N}_'’][\p{L}\p{M}\p{N}_'’]*(?:[.\-/@][\p{L}\p{N}_][\p{L}\p{M}\p{N}_]*)*-?|\S")]
    private static partial Regex TokenPattern();

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int last = 0;
        foreach (Match m in TokenPattern().Matches(text))
        {
            var v = m.Value;
            var kind = v[0] is '\n' or '\r' ? Kind.Break : char.IsLetterOrDigit(v[0]) || v[0] == '_' || v[0] == '\'' ? Kind.Word : Kind.Punct;
            var t = new Token(kind == Kind.Break ? "\n" : v, kind) { SpaceBefore = m.Index > last && text[last..m.Index].Any(char.IsWhiteSpace) };
            t.Terminal = kind == Kind.Punct && Terminators.Contains(v);
            // "e.g." and "etc." do not end the sentence.
            if (v == "." && !t.SpaceBefore && tokens.Count > 0 && tokens[^1].Kind == Kind.Word && Abbreviations.Contains(tokens[^1].Lower))
                t.Terminal = false;
            t.Code = kind == Kind.Word && IsCodeLike(v); // "userName", "package.json": already code, never recased
            tokens.Add(t);
            last = m.Index + m.Length;
        }
        // "https://…": the scheme of a written address is code, never recased.
        for (int i = 0; i + 2 < tokens.Count; i++)
            if (tokens[i].Kind == Kind.Word && tokens[i + 1].Text == ":" && tokens[i + 2].Text == "/" && !tokens[i + 1].SpaceBefore && !tokens[i + 2].SpaceBefore)
                tokens[i].Code = true;
        return tokens;
    }

    private static Token Made(string text, bool glueLeft, bool glueRight, bool code = false, bool terminal = false, Kind kind = Kind.Punct) =>
        new(text, kind) { Produced = true, GlueLeft = glueLeft, GlueRight = glueRight, Code = code, Terminal = terminal };

    private static bool IsWord(List<Token> t, int i) => i >= 0 && i < t.Count && t[i].Kind == Kind.Word;
    private static bool IsPunct(List<Token> t, int i, string p) => i >= 0 && i < t.Count && t[i].Kind == Kind.Punct && !t[i].Produced && t[i].Text == p;
    /// <summary>Opening marks that may stand before a sentence's first word (<c>"Hello"</c>, <c>(See below.)</c>, 「…」).</summary>
    private static readonly HashSet<string> Openers = ["\"", "(", "[", "“", "‘", "«", "「", "『", "（", "¿", "¡"];

    private static bool AtSentenceStart(List<Token> t, int i)
    {
        while (i > 0 && t[i - 1].Kind == Kind.Punct && Openers.Contains(t[i - 1].Text) && t[i - 1].Quote != false)
            i--;
        return i == 0 || t[i - 1].Kind == Kind.Break || t[i - 1].Terminal;
    }

    /// <summary>Whether the words at <paramref name="i"/> are <paramref name="phrase"/> (lower-case, one word per element).</summary>
    private static bool WordsAt(List<Token> t, int i, string[] phrase)
    {
        for (int k = 0; k < phrase.Length; k++)
            if (!IsWord(t, i + k) || t[i + k].Code || t[i + k].Lower != phrase[k])
                return false;
        return true;
    }

    // ---- fillers and stutters -----------------------------------------------------------------------------------

    /// <summary>The closed list of filler words; nothing else is ever removed as a filler.</summary>
    private static readonly HashSet<string> Fillers = ["um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "ahh", "hmm", "mm", "mmm"];

    /// <summary>Fillers that are also units: millimetres, micrometres (written "um" without a µ), ampere-hours.</summary>
    private static readonly HashSet<string> UnitLookalikes = ["mm", "um", "ah"];

    /// <summary>
    /// Whether the filler-looking word at <paramref name="i"/> is a filler. Right after a number a unit look-alike is the
    /// unit ("a 3 mm gap", "5 ah"); written in capitals it is an acronym ("the UM team").
    /// </summary>
    private static bool IsFiller(List<Token> t, int i)
    {
        var x = t[i];
        if (!Fillers.Contains(x.Lower))
            return false;
        if (x.Text.Length > 1 && x.Text.All(char.IsUpper))
            return false;
        return !(UnitLookalikes.Contains(x.Lower) && i > 0 && IsNumber(t[i - 1]));
    }

    private static bool IsNumber(Token x) =>
        x.Kind == Kind.Word && (char.IsDigit(x.Text[^1]) || NumberWords.ContainsKey(x.Lower) || x.Lower is "hundred" or "thousand" or "million" or "billion");

    private static void RemoveFillers(State s)
    {
        var t = s.Tokens;
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i].Kind != Kind.Word)
                continue;
            int n = 0;
            if (IsFiller(t, i))
                n = 1;
            // "you know" and "I mean" are fillers only as an aside: after a comma or at a sentence start, before a comma or the end.
            else if ((WordsAt(t, i, ["you", "know"]) && (AtSentenceStart(t, i) || IsPunct(t, i - 1, ",")) && (i + 2 == t.Count || IsPunct(t, i + 2, ",") || t[i + 2].Terminal))
                  || (WordsAt(t, i, ["i", "mean"]) && AtSentenceStart(t, i) && IsPunct(t, i + 2, ",")))
                n = 2;
            if (n == 0)
                continue;
            // "think. Um. Okay": the filler's own sentence goes with it.
            if (i + n < t.Count && t[i + n].Terminal && !t[i + n].Produced && (i == 0 || t[i - 1].Terminal))
                n++;
            else if (IsPunct(t, i + n, ","))
            {
                n++;
                // ", um," is a pause the recogniser punctuated twice: "we should, uh, call" → "we should call".
                if (IsPunct(t, i - 1, ","))
                {
                    i--;
                    n++;
                }
            }
            t.RemoveRange(i, n);
            i--;
        }
    }

    /// <summary>Doubled words that are grammar ("had had", "that that", "do do"): two stay, a third is a stutter.</summary>
    private static readonly HashSet<string> GrammarDoubles = ["had", "that", "do"];

    /// <summary>Words repeated for emphasis or as an idiom ("very very", "no no no", "so so so so"): every copy stays.</summary>
    private static readonly HashSet<string> EmphasisRepeats = ["very", "no", "yes", "bye", "ha", "so", "really", "knock", "blah"];

    /// <summary>Words that link a repeated word into an idiom of emphasis: "again and again and again", "day after day after day".</summary>
    private static readonly HashSet<string> LinkedRepeats = ["and", "or", "nor", "by", "after", "upon", "to", "on"];

    /// <summary>"again and again and again", "day after day after day": a word linked to itself three times is emphasis, not "again and" said twice.</summary>
    private static bool IsLinkedRepeat(List<Token> t, int i, int length, int next)
    {
        if (length != 2)
            return false;
        var (p, q) = (t[i].Lower, t[i + 1].Lower);
        return (LinkedRepeats.Contains(q) && IsWord(t, next + 2) && t[next + 2].Lower == p)
            || (LinkedRepeats.Contains(p) && IsWord(t, i - 1) && t[i - 1].Lower == q);
    }

    /// <summary>
    /// Whether the word at <paramref name="k"/> becomes (part of) a symbol: it starts one in its context ("x equals equals",
    /// "comma comma") or sits inside a spoken phrase of several words ("new line new line", "close paren close paren").
    /// Such a word is never collapsed as a stutter: "equals equals" is <c>==</c>, not "=". A noun stays a word and its
    /// stutter collapses ("the period period is short").
    /// </summary>
    private static bool IsSymbolWord(State s, int k)
    {
        var t = s.Tokens;
        if (SymbolAt(s, k) is not null)
            return true;
        foreach (var sym in Symbols)
            for (int j = Math.Max(0, k - sym.Phrase.Length + 1); j < k; j++)
                if (WordsAt(t, j, sym.Phrase))
                    return true;
        return false;
    }

    /// <summary>Index of the copy that repeats the run of <paramref name="length"/> words at <paramref name="i"/> (", " between allowed), or -1.</summary>
    private static int RepeatAt(List<Token> t, int i, int length)
    {
        int next = IsPunct(t, i + length, ",") ? i + length + 1 : i + length;
        for (int k = 0; k < length; k++)
            if (!IsWord(t, next + k) || t[next + k].Lower != t[i + k].Lower)
                return -1;
        return next;
    }

    private static void RemoveStutters(State s)
    {
        var t = s.Tokens;
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i].Kind != Kind.Word)
                continue;
            var w = t[i].Lower;
            // "w- want": a broken-off start of the next word.
            if (w.Length > 1 && w[^1] == '-' && IsWord(t, i + 1) && t[i + 1].Lower.StartsWith(w[..^1], StringComparison.Ordinal))
            {
                t.RemoveAt(i--);
                continue;
            }
            if (CollapseRepeat(s, i, 1, w) || CollapseLongestPhrase(s, i))
                i--;
        }
    }

    /// <summary>"we should we should" → "we should": a repeated run of two to four words, longest first.</summary>
    private static bool CollapseLongestPhrase(State s, int i)
    {
        for (int length = 4; length >= 2; length--)
            if (CollapseRepeat(s, i, length, null))
                return true;
        return false;
    }

    /// <summary>
    /// Drops the earlier copy of a repeated word or phrase at <paramref name="i"/> ("the the", "I, I think") and keeps the
    /// later, which carries the sentence on. Never for numbers, code, symbol words, or an allowed repeat.
    /// </summary>
    private static bool CollapseRepeat(State s, int i, int length, string? word)
    {
        var t = s.Tokens;
        for (int k = i; k < i + length; k++)
            if (!IsWord(t, k) || t[k].Code || IsNumber(t[k]))
                return false;
        int next = RepeatAt(t, i, length);
        if (next < 0)
            return false;
        for (int k = 0; k < length; k++)
            if (IsSymbolWord(s, i + k))
                return false;
        if (word is not null)
        {
            if (EmphasisRepeats.Contains(word))
                return false;
            // "that that" is grammar; only a third copy makes it a stutter.
            if (GrammarDoubles.Contains(word) && RepeatAt(t, next, 1) < 0)
                return false;
        }
        else if (Enumerable.Range(i, length).All(k => EmphasisRepeats.Contains(t[k].Lower) || GrammarDoubles.Contains(t[k].Lower))
                 || IsLinkedRepeat(t, i, length, next))
            return false; // "so so so so" is "so so" twice: emphasis, kept
        t[next].SpaceBefore = t[i].SpaceBefore;
        if (i == 0 || t[i - 1].Terminal || t[i - 1].Kind == Kind.Break)
            t[next].Text = t[i].Text; // keep the sentence's capital
        t.RemoveRange(i, next - i);
        return true;
    }

    // ---- vocabulary ---------------------------------------------------------------------------------------------

    private static void ApplyVocabulary(State s, VocabularyMatcher matcher)
    {
        if (matcher.Count == 0)
            return;
        var t = s.Tokens;
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i].Kind != Kind.Word)
                continue;
            // The run of words from i (a match never crosses the recogniser's punctuation).
            int end = i;
            while (end < t.Count && t[end].Kind == Kind.Word)
                end++;
            var pieces = new List<IReadOnlyList<string>>(end - i);
            for (int k = i; k < end; k++)
                pieces.Add(VocabularyMatcher.IdentifierPieces(t[k].Text));
            for (int k = i; k < end; k++)
            {
                var (n, written) = matcher.LongestMatch(pieces, k - i);
                if (n == 0)
                    continue;
                var made = new Token(written!, Kind.Word) { SpaceBefore = t[k].SpaceBefore, Code = IsCodeLike(written!) };
                t.RemoveRange(k, n);
                t.Insert(k, made);
                pieces.RemoveRange(k - i, n);
                pieces.Insert(k - i, []);
                end -= n - 1;
            }
            i = end;
        }
    }

    /// <summary>An identifier rather than a word: has inner capitals, digits, or joining characters.</summary>
    private static bool IsCodeLike(string text) =>
        text.Any(c => c is '_' or '.' or '(' or ')' or '[' or ']' or '/' || char.IsDigit(c)) || text.Skip(1).Any(char.IsUpper);

    // ---- case commands ------------------------------------------------------------------------------------------

    private static readonly (string[] Phrase, char Style)[] CaseCommands =
    [
        (["screaming", "snake", "case"], 'S'), (["upper", "snake", "case"], 'S'), (["screaming", "case"], 'S'), (["constant", "case"], 'S'),
        (["camel", "case"], 'c'), (["camelcase"], 'c'), (["pascal", "case"], 'P'), (["pascalcase"], 'P'),
        (["snake", "case"], 's'), (["snakecase"], 's'), (["snake_case"], 's'),
        (["kebab", "case"], 'k'), (["kebabcase"], 'k'), (["kebab-case"], 'k'),
    ];

    /// <summary>
    /// "camel case user name" → userName. A case command takes the words after it up to the first punctuation (said or
    /// written), spoken symbol or operator ("dot", "equals", "open paren"…), line break, "end case", or the end.
    /// </summary>
    private static void ApplyCaseCommands(State s)
    {
        var t = s.Tokens;
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i].Kind != Kind.Word)
                continue;
            var command = CaseCommands.FirstOrDefault(c => WordsAt(t, i, c.Phrase));
            if (command.Phrase is null)
                continue;
            int from = i + command.Phrase.Length, to = from;
            while (to < t.Count && t[to].Kind == Kind.Word && !WordsAt(t, to, ["end", "case"]) && !Symbols.Any(sym => WordsAt(t, to, sym.Phrase)))
                to++;
            var pieces = new List<string>();
            for (int k = from; k < to; k++)
                pieces.AddRange(VocabularyMatcher.IdentifierPieces(t[k].Text).Where(p => p != "dot"));
            if (pieces.Count == 0)
                continue;
            int removeTo = WordsAt(t, to, ["end", "case"]) ? to + 2 : to;
            var made = new Token(Recase(pieces, command.Style), Kind.Word) { SpaceBefore = t[i].SpaceBefore, Code = true };
            t.RemoveRange(i, removeTo - i);
            t.Insert(i, made);
        }
    }

    private static string Recase(List<string> pieces, char style)
    {
        string Cap(string p) => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..];
        return style switch
        {
            'c' => string.Concat(pieces.Select((p, k) => k == 0 ? p : Cap(p))),
            'P' => string.Concat(pieces.Select(Cap)),
            's' => string.Join('_', pieces),
            'k' => string.Join('-', pieces),
            _ => string.Join('_', pieces).ToUpperInvariant(),
        };
    }

    // ---- spoken punctuation, symbols and operators ---------------------------------------------------------------

    private enum Sym
    {
        Clause,     // , ; : . ? ! — glued to the word before; the recogniser's punctuation next to it goes
        Open,       // ( [ { "  — glued to what follows
        Close,      // ) ] } "  — glued to what precedes
        Join,       // a.b a-b a_b a/b — glued both sides, only between words
        Spaced,     // a - b, a & b
        Operator,   // = == => — spaced; a lone "equals"/"arrow" only in code (see IsOperatorContext)
        StrongOp,   // "double equals", "equals equals", "fat arrow": unambiguous, always
        Step,       // ++ -- — glued to the operand on the side it was said ("i plus plus" → i++, "plus plus i" → ++i)
        Hash,       // # — glued to what follows ("#include", "#42"); a bare "hash"/"pound" only where the text is code
        Break,      // new line / new paragraph
    }

    private sealed record Symbol(string[] Phrase, string Text, Sym Kind, bool NounGuard = false);

    private static readonly Symbol[] Symbols = BuildSymbols();

    private static Symbol[] BuildSymbols()
    {
        Symbol S(string phrase, string text, Sym kind, bool guard = false) => new(phrase.Split(' '), text, kind, guard);
        var list = new List<Symbol>
        {
            S("new paragraph", "\n\n", Sym.Break, true), S("new line", "\n", Sym.Break, true), S("newline", "\n", Sym.Break, true),
            S("full stop", ".", Sym.Clause), S("period", ".", Sym.Clause, true), S("comma", ",", Sym.Clause, true),
            S("question mark", "?", Sym.Clause), S("exclamation mark", "!", Sym.Clause), S("exclamation point", "!", Sym.Clause),
            S("semicolon", ";", Sym.Clause, true), S("semi colon", ";", Sym.Clause, true), S("colon", ":", Sym.Clause, true),
            S("ellipsis", "...", Sym.Clause, true), S("dot dot dot", "...", Sym.Clause),
            S("open parenthesis", "(", Sym.Open), S("open parentheses", "(", Sym.Open), S("open paren", "(", Sym.Open), S("left paren", "(", Sym.Open),
            S("close parenthesis", ")", Sym.Close), S("close parentheses", ")", Sym.Close), S("close paren", ")", Sym.Close), S("right paren", ")", Sym.Close),
            S("open square bracket", "[", Sym.Open), S("open bracket", "[", Sym.Open), S("left bracket", "[", Sym.Open),
            S("close square bracket", "]", Sym.Close), S("close bracket", "]", Sym.Close), S("right bracket", "]", Sym.Close),
            S("open curly brace", "{", Sym.Open), S("open curly", "{", Sym.Open), S("open brace", "{", Sym.Open), S("left brace", "{", Sym.Open),
            S("close curly brace", "}", Sym.Close), S("close curly", "}", Sym.Close), S("close brace", "}", Sym.Close), S("right brace", "}", Sym.Close),
            S("open quote", "\"", Sym.Open), S("begin quote", "\"", Sym.Open), S("quote", "\"", Sym.Open, true), S("close quote", "\"", Sym.Close), S("end quote", "\"", Sym.Close), S("unquote", "\"", Sym.Close),
            S("double dash", "--", Sym.Open), S("dash dash", "--", Sym.Open), S("dash", "-", Sym.Spaced, true), S("hyphen", "-", Sym.Join, true),
            S("underscore", "_", Sym.Join), S("forward slash", "/", Sym.Join), S("slash", "/", Sym.Join, true), S("backslash", "\\", Sym.Join),
            S("slash slash", "//", Sym.Spaced), S("colon colon", "::", Sym.Join), S("colon slash slash", "://", Sym.Join),
            S("dot", ".", Sym.Join, true), S("ampersand", "&", Sym.Spaced), S("at sign", "@", Sym.Join),
            S("ampersand ampersand", "&&", Sym.Spaced), S("double ampersand", "&&", Sym.Spaced),
            S("hash sign", "#", Sym.Hash, true), S("hash mark", "#", Sym.Hash, true), S("hash symbol", "#", Sym.Hash, true), S("pound sign", "#", Sym.Hash, true),
            S("number sign", "#", Sym.Hash, true), S("hashtag", "#", Sym.Hash, true), S("hash", "#", Sym.Hash, true), S("pound", "#", Sym.Hash, true),
            S("equals equals equals", "===", Sym.StrongOp), S("equals equals", "==", Sym.StrongOp),
            S("plus plus", "++", Sym.Step), S("minus minus", "--", Sym.Step), S("plus", "+", Sym.Operator), S("minus", "-", Sym.Operator),
            S("triple equals", "===", Sym.StrongOp), S("double equals", "==", Sym.StrongOp), S("not equals", "!=", Sym.StrongOp),
            S("not equal to", "!=", Sym.StrongOp), S("plus equals", "+=", Sym.StrongOp), S("minus equals", "-=", Sym.StrongOp),
            S("fat arrow", "=>", Sym.StrongOp), S("equals sign", "=", Sym.StrongOp), S("equal sign", "=", Sym.StrongOp),
            S("equals", "=", Sym.Operator), S("arrow", "=>", Sym.Operator, true),
        };
        return [.. list.OrderByDescending(x => x.Phrase.Length)]; // longest phrase first: "double equals" before "equals"
    }

    /// <summary>Before these a punctuation word is the noun ("the period of the signal", "a comma", "a new line of products").</summary>
    private static readonly HashSet<string> NounMarkers =
    [
        "the", "a", "an", "this", "that", "these", "those", "each", "every", "any", "some", "no", "my", "your", "his", "her",
        "its", "our", "their", "trial", "grace", "billing", "same", "whole", "entire", "long", "short", "first", "last", "next", "per", "missing", "extra",
    ];

    private static readonly HashSet<string> BreakNounBefore =
    [
        "add", "adds", "added", "adding", "insert", "inserts", "inserted", "inserting", "strip", "strips", "stripped", "handle", "handles",
        "trailing", "with", "without", "on", "any",
    ];
    private static readonly HashSet<string> BreakNounAfter =
        ["character", "characters", "handling", "support", "separated", "delimited", "escape", "escapes", "of", "is", "are", "was", "between", "endings"];

    /// <summary>After a bare "hash"/"pound" these make it the noun ("hash map", "hash of the file"), not <c>#</c>.</summary>
    private static readonly HashSet<string> HashNouns =
    [
        "map", "maps", "set", "sets", "table", "tables", "code", "codes", "function", "functions", "value", "values", "key", "keys",
        "sum", "sums", "of", "is", "was", "are", "algorithm", "collision", "collisions", "join", "tag", "tags", "brown", "browns", "cake",
        "sterling", "and", "or", "for", "to", "in", "with",
    ];

    /// <summary>Languages whose line comment is "#": a "#" that starts a line there is a comment and takes a space after it.</summary>
    private static readonly HashSet<string> HashCommentLanguages =
    [
        "python", "shellscript", "ruby", "perl", "r", "yaml", "toml", "powershell", "makefile", "dockerfile", "coffeescript", "julia",
        "elixir", "nim", "graphql", "terraform", "dotenv", "properties", "cmake", "raku", "tcl", "nix", "gdscript", "awk",
    ];

    /// <summary>Opened minus closed quotation marks made from spoken quotes before <paramref name="i"/>.</summary>
    private static int OpenQuotes(List<Token> t, int i)
    {
        int open = 0;
        for (int k = 0; k < i; k++)
            open += t[k].Quote switch { true => 1, false => open > 0 ? -1 : 0, null => 0 };
        return open;
    }

    /// <summary>
    /// Whether something precedes <paramref name="i"/> on its line for a clause mark to attach to (the recogniser's own
    /// punctuation, which a said mark replaces, does not count). "Period" opening a dictation is a word, not a lost ".".
    /// </summary>
    private static bool HasSomethingBefore(List<Token> t, int i)
    {
        int k = i - 1;
        while (k >= 0 && t[k].Kind == Kind.Punct && !t[k].Produced && t[k].Text is "," or "." or ";" or ":" or "?" or "!")
            k--;
        return k >= 0 && t[k].Kind != Kind.Break;
    }

    private static bool HasSomethingAfter(List<Token> t, int end, bool skipPunctuation = false)
    {
        while (skipPunctuation && end < t.Count && t[end].Kind == Kind.Punct && !t[end].Produced && t[end].Text is "," or "." or ";" or ":" or "?" or "!")
            end++;
        return end < t.Count && t[end].Kind != Kind.Break;
    }

    private static bool QuoteCloses(List<Token> t, int from)
    {
        for (int k = from; k < t.Count; k++)
            if (WordsAt(t, k, ["unquote"]) || WordsAt(t, k, ["end", "quote"]) || WordsAt(t, k, ["close", "quote"]))
                return true;
        return false;
    }

    /// <summary>Languages whose arrow is "->" (member access in C/C++/PHP, lambdas and return types elsewhere).</summary>
    private static readonly HashSet<string> ThinArrowLanguages =
        ["c", "cpp", "cuda-cpp", "objective-c", "objective-cpp", "rust", "php", "java", "kotlin", "swift", "python", "haskell", "ocaml", "fsharp", "elixir", "erlang", "julia"];
    private static readonly HashSet<string> GluedArrowLanguages = ["c", "cpp", "cuda-cpp", "objective-c", "objective-cpp", "php"];

    private static Symbol? SymbolAt(State s, int i)
    {
        var t = s.Tokens;
        foreach (var sym in Symbols)
        {
            if (!WordsAt(t, i, sym.Phrase))
                continue;
            // A noun after an article, possessive or the like: "the period of", "a dot on the map".
            if (sym.NounGuard && IsWord(t, i - 1) && NounMarkers.Contains(t[i - 1].Lower))
                continue;
            // "the period of the signal": the noun also shows in what follows.
            if (sym.Text == "." && sym.Kind == Sym.Clause && IsWord(t, i + sym.Phrase.Length) && t[i + sym.Phrase.Length].Lower is "of" or "between" or "when" or "during")
                continue;
            // "add new line handling", "strip trailing new lines": the line break talked about, not asked for.
            if (sym.Kind == Sym.Break && ((IsWord(t, i - 1) && BreakNounBefore.Contains(t[i - 1].Lower)) ||
                                          (IsWord(t, i + sym.Phrase.Length) && BreakNounAfter.Contains(t[i + sym.Phrase.Length].Lower))))
                continue;
            // A bare "quote" opens only when an "unquote"/"end quote" follows later (not at once: "quote unquote" is the idiom).
            if (sym.Phrase is ["quote"] && !QuoteCloses(t, i + 2))
                continue;
            if (sym.Phrase is ["unquote"] && OpenQuotes(t, i) == 0)
                continue;
            int end = i + sym.Phrase.Length;
            // A bare "hash"/"pound" is "#" only in code, before what it marks ("hash include", "pound define").
            if (sym.Phrase is ["hash"] or ["pound"] && !(s.CodeTarget && IsWord(t, end) && !HashNouns.Contains(t[end].Lower)))
                continue;
            switch (sym.Kind)
            {
                case Sym.Clause when !HasSomethingBefore(t, i):
                    continue; // nothing to attach to: "Period" or "Comma" opening a dictation is the word
                case Sym.Spaced when !HasSomethingBefore(t, i) || !HasSomethingAfter(t, end):
                    continue; // "Dash it all": a dash between nothing and words is the word
                case Sym.Hash when !HasSomethingAfter(t, end):
                    continue;
                case Sym.Open or Sym.Close when !s.CodeTarget && !HasSomethingBefore(t, i) && !HasSomethingAfter(t, end, skipPunctuation: true):
                    continue; // a lone "open paren" in prose is the words; in code a lone "close brace" closes a block
                case Sym.Step when !HasSomethingBefore(t, i) && !IsWord(t, end):
                    continue;
                case Sym.Join when !(IsWord(t, i + sym.Phrase.Length) && (IsWord(t, i - 1) || (sym.Text == "." && (i == 0 || t[i - 1].Kind != Kind.Word)) || (i > 0 && t[i - 1].Text is ")" or "]"))):
                    continue; // "dot" joins two words (or starts ".env"); alone it is a word
                case Sym.Operator when sym.Text is "+" or "-" ? !IsArithmeticContext(s, i) : !IsOperatorContext(s, i):
                    continue;
            }
            return sym;
        }
        return null;
    }

    /// <summary>A lone "equals"/"arrow" is an operator when the text is code, or right after something code-like ("x equals 5", "userName equals").</summary>
    private static bool IsOperatorContext(State s, int i)
    {
        if (s.CodeTarget)
            return true;
        if (i == 0)
            return false;
        var prev = s.Tokens[i - 1];
        return prev.Code || (prev.Kind == Kind.Punct && prev.Text is ")" or "]") ||
               (prev.Kind == Kind.Word && (IsCodeLike(prev.Text) || (prev.Text.Length == 1 && char.IsLetter(prev.Text[0]) && prev.Lower is not ("a" or "i"))));
    }

    /// <summary>Whether only "#"s made from speech stand before <paramref name="i"/> on its line ("## Heading" in a "#"-comment language).</summary>
    private static bool StartsLine(List<Token> t, int i)
    {
        while (i > 0 && t[i - 1].Produced && t[i - 1].Text == "#")
            i--;
        return i == 0 || t[i - 1].Kind == Kind.Break;
    }

    /// <summary>Whether an operand ends right before <paramref name="i"/> (a word, a closing bracket), for ++/-- and unary signs.</summary>
    private static bool AttachesLeft(List<Token> t, int i) =>
        i > 0 && (t[i - 1].Kind == Kind.Word || (t[i - 1].Kind == Kind.Punct && t[i - 1].Text is ")" or "]" or "}" or "\""));

    /// <summary>
    /// A lone "plus"/"minus" is arithmetic only where the text is code or right after an identifier or closing bracket
    /// ("count plus one"); "plan B plus extras" and "five minus three" in prose keep their words.
    /// </summary>
    private static bool IsArithmeticContext(State s, int i)
    {
        if (s.CodeTarget)
            return true;
        if (i == 0)
            return false;
        var prev = s.Tokens[i - 1];
        return prev.Code || (prev.Kind == Kind.Punct && prev.Text is ")" or "]") || (prev.Kind == Kind.Word && IsCodeLike(prev.Text));
    }

    private static void ApplySpokenSymbols(State s)
    {
        var t = s.Tokens;
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i].Kind != Kind.Word || t[i].Code)
                continue;
            var sym = SymbolAt(s, i);
            if (sym is null)
                continue;
            bool spaceBefore = t[i].SpaceBefore;
            t.RemoveRange(i, sym.Phrase.Length);
            var text = sym.Text;
            if (sym.Text == "=>" && sym.Kind == Sym.Operator && ThinArrowLanguages.Contains(s.LanguageId))
                text = "->";
            Token made = sym.Kind switch
            {
                Sym.Clause => Made(text, glueLeft: true, glueRight: false, terminal: text is "." or "?" or "!"),
                Sym.Open => Made(text, glueLeft: !spaceBefore || (text is "(" or "[" && i > 0 && (t[i - 1].Code || s.CodeTarget)), glueRight: true),
                Sym.Close => Made(text, glueLeft: true, glueRight: false),
                Sym.Join => Made(text, glueLeft: true, glueRight: true, code: true),
                Sym.Spaced => Made(text, glueLeft: false, glueRight: false),
                Sym.Break => Made(text, glueLeft: true, glueRight: true, kind: Kind.Break),
                Sym.Step => Made(text, glueLeft: AttachesLeft(t, i), glueRight: !AttachesLeft(t, i), code: true),
                Sym.Hash => Made(text, glueLeft: !spaceBefore, code: true,
                    glueRight: !(HashCommentLanguages.Contains(s.LanguageId) && StartsLine(t, i) && !(i < t.Count && t[i].Lower is "hash" or "pound"))),
                _ when text == "->" && GluedArrowLanguages.Contains(s.LanguageId) => Made(text, glueLeft: true, glueRight: true, code: true),
                // A sign with no operand before it is unary: "equals minus one" → "= -1".
                _ when text is "+" or "-" && !AttachesLeft(t, i) => Made(text, glueLeft: false, glueRight: true, code: true),
                _ => Made(text, glueLeft: false, glueRight: false, code: true),
            };
            if (text == "\"")
                made.Quote = sym.Kind == Sym.Open;
            if (sym.Kind is Sym.Clause or Sym.Break)
            {
                // The recogniser often punctuates around a said "comma" ("Hello, comma, world"): the said one wins.
                while (i < t.Count && t[i].Kind == Kind.Punct && !t[i].Produced && t[i].Text is "," or "." or ";" or ":" or "?" or "!")
                    t.RemoveAt(i);
                while (i > 0 && t[i - 1].Kind == Kind.Punct && !t[i - 1].Produced && t[i - 1].Text is "," or "." or ";" or ":" or "?" or "!")
                    t.RemoveAt(--i);
            }
            if (text == "\"" && sym.Kind == Sym.Open && i < t.Count && IsPunct(t, i, ","))
                t.RemoveAt(i); // 'said, quote, no' → 'said, "no'
            if (text == "\"" && sym.Kind == Sym.Close && i > 0 && IsPunct(t, i - 1, ","))
                t.RemoveAt(--i);
            if (sym.Kind == Sym.Join && text is not ("-" or "/"))
            {
                // "console dot log" is code: neither half is recased or ends a sentence.
                if (i > 0)
                    t[i - 1].Code = true;
                if (i < t.Count)
                    t[i].Code = true;
            }
            t.Insert(i, made);
        }
    }

    // ---- number words in code ------------------------------------------------------------------------------------

    private static readonly Dictionary<string, int> NumberWords = new()
    {
        ["zero"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7, ["eight"] = 8,
        ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15,
        ["sixteen"] = 16, ["seventeen"] = 17, ["eighteen"] = 18, ["nineteen"] = 19, ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40,
        ["fifty"] = 50, ["sixty"] = 60, ["seventy"] = 70, ["eighty"] = 80, ["ninety"] = 90,
    };

    private static readonly (string Word, long Value)[] Scales = [("billion", 1_000_000_000), ("million", 1_000_000), ("thousand", 1000)];

    /// <summary>Words before which a number in code is a literal: "return zero", "case three", "step by two".</summary>
    private static readonly HashSet<string> LiteralKeywords = ["return", "case", "yield", "to", "by", "times", "than", "is", "be", "at", "sleep", "wait"];

    private static bool NumberWordAt(List<Token> t, int i, out int value)
    {
        value = 0;
        return IsWord(t, i) && NumberWords.TryGetValue(t[i].Lower, out value); // a "one" marked code by "one dot two" too
    }

    /// <summary>"seven", "twenty three", "three hundred and five": a number below a thousand at <paramref name="i"/>; the count of words read.</summary>
    private static int ReadBelowThousand(List<Token> t, int i, out long value)
    {
        if (!(NumberWordAt(t, i, out var first) && first is > 0 and < 10 && WordsAt(t, i + 1, ["hundred"])))
            return ReadBelowHundred(t, i, out value);
        value = first * 100;
        // "one hundred and five"; "one hundred zero" is two numbers.
        int at = WordsAt(t, i + 2, ["and"]) ? i + 3 : i + 2;
        int rest = ReadBelowHundred(t, at, out var below);
        if (rest == 0 || below == 0)
            return 2;
        value += below;
        return at - i + rest;
    }

    private static int ReadBelowHundred(List<Token> t, int i, out long value)
    {
        value = 0;
        if (!NumberWordAt(t, i, out var v))
            return 0;
        value = v;
        if (v >= 20 && v % 10 == 0 && NumberWordAt(t, i + 1, out var unit) && unit is > 0 and < 10)
        {
            value += unit;
            return 2;
        }
        return 1;
    }

    /// <summary>A spoken number at <paramref name="i"/> as digits ("two thousand five hundred" → 2500, "three point one four" → 3.14).</summary>
    private static int ReadNumber(List<Token> t, int i, out string digits)
    {
        digits = "";
        int n = ReadBelowThousand(t, i, out var head);
        if (n == 0)
            return 0;
        long total = 0;
        long lastScale = long.MaxValue;
        while (true)
        {
            var scale = Scales.FirstOrDefault(x => WordsAt(t, i + n, [x.Word]) && x.Value < lastScale);
            if (scale.Word is null || head == 0)
                break;
            total += head * scale.Value;
            lastScale = scale.Value;
            n++;
            int more = ReadBelowThousand(t, i + n, out head);
            if (more == 0)
            {
                head = 0;
                break;
            }
            n += more;
        }
        total += head;
        digits = total.ToString(CultureInfo.InvariantCulture);
        // "three point one four": the digits after "point" are said one by one.
        if (WordsAt(t, i + n, ["point"]) && NumberWordAt(t, i + n + 1, out var d) && d < 10)
        {
            var fraction = new StringBuilder();
            int k = i + n + 1;
            while (NumberWordAt(t, k, out d) && d < 10)
            {
                fraction.Append((char)('0' + d));
                k++;
            }
            digits += "." + fraction;
            n = k - i;
        }
        return n;
    }

    /// <summary>
    /// Number words become digits where the text is code: a literal or an index. Dictating into a code file, a spoken
    /// number next to an operator, bracket, punctuation, the start or the end, or after "return"/"case"/"to"… is a literal
    /// ("items open bracket zero close bracket" → items[0], "return twenty three" → return 23) unless "of" follows ("one of
    /// the reasons"); in prose, comments and commit messages only right after a spoken operator ("x equals five" → x = 5).
    /// </summary>
    private static void ApplyNumbers(State s)
    {
        var t = s.Tokens;
        for (int i = 0; i < t.Count; i++)
        {
            int n = ReadNumber(t, i, out var digits);
            if (n == 0)
                continue;
            var before = i > 0 ? t[i - 1] : null;
            var after = i + n < t.Count ? t[i + n] : null;
            bool operatorBefore = before is { Produced: true, Code: true, Kind: Kind.Punct } && before.Text is not ("." or "_" or "/" or "\\" or "@" or "::");
            // "version one dot two": numbers on both sides of a spoken dot are a decimal or a version, in any mode.
            bool dotted = (before is { Produced: true, Text: "." } && !before.Terminal && i > 1 && IsNumber(t[i - 2]))
                          || (after is { Produced: true, Text: "." } && !after.Terminal && i + n + 1 < t.Count && IsNumber(t[i + n + 1]));
            bool literal = dotted || s.CodeTarget
                ? !(after is { Kind: Kind.Word } && after.Lower == "of")
                  && (before is null || before.Kind != Kind.Word || before.Code || LiteralKeywords.Contains(before.Lower)
                      || after is null || after.Kind != Kind.Word || after.Code)
                : operatorBefore || (before is { Produced: true, Text: "[" } && before.GlueLeft);
            if (!literal)
            {
                i += n - 1;
                continue;
            }
            var made = new Token(digits, Kind.Word) { SpaceBefore = t[i].SpaceBefore, Code = true };
            t.RemoveRange(i, n);
            t.Insert(i, made);
        }
    }

    // ---- tidy and sentence shape --------------------------------------------------------------------------------

    private static bool IsClausePunct(Token x) => x.Kind == Kind.Punct && x.Text is "," or "." or ";" or ":" or "?" or "!" && !x.Code;

    private static void Tidy(State s)
    {
        var t = s.Tokens;
        for (int i = 0; i < t.Count; i++)
        {
            // Punctuation left at the start of a line by a removed filler, or doubled (", ." → ".").
            if (IsClausePunct(t[i]) && (i == 0 || t[i - 1].Kind == Kind.Break))
            {
                t.RemoveAt(i--);
                continue;
            }
            if (i > 0 && IsClausePunct(t[i]) && IsClausePunct(t[i - 1]) && t[i - 1].Text == ",")
            {
                t.RemoveAt(i - 1);
                i -= 2;
                continue;
            }
            // "period period": a said full stop twice is one (a doubled "?" or "!" is emphasis and stays).
            if (i > 0 && t[i].Produced && t[i - 1].Produced && t[i].Text == "." && t[i - 1].Text == "." && t[i].Terminal && t[i - 1].Terminal)
                t.RemoveAt(i--);
        }
    }

    /// <summary>Words after which a lone lower-case "i" in a comment is the pronoun (elsewhere it may be a loop variable).</summary>
    private static readonly HashSet<string> PronounFollowers =
    [
        "am", "was", "think", "have", "had", "will", "would", "could", "should", "can", "did", "do", "guess", "want", "need", "know",
        "mean", "see", "believe", "hope", "tried", "added", "changed", "fixed", "removed", "wrote", "made", "found", "just", "also", "really", "still",
    ];

    private static void ShapeSentences(State s)
    {
        var t = s.Tokens;
        if (s.CodeTarget)
        {
            // Typed into code: no capitals or closing period; the recogniser's closing "." goes (statements do not end in one).
            if (t.Count >= 1 && t[^1].Text == "." && !t[^1].Produced)
                t.RemoveAt(t.Count - 1);
            return;
        }
        for (int i = 0; i < t.Count; i++)
        {
            var x = t[i];
            if (x.Kind != Kind.Word || x.Code || x.Text.Length == 0)
                continue;
            var lower = x.Lower;
            if (lower is "i'm" or "i've" or "i'll" or "i'd" or "i’m" or "i’ve" or "i’ll" or "i’d")
                x.Text = "I" + x.Text[1..];
            else if (lower == "i" && x.Text == "i" && !(i > 0 && t[i - 1].Code) && !(i + 1 < t.Count && t[i + 1].Code)
                     && (s.Mode != PromptModes.Comment || (IsWord(t, i + 1) && PronounFollowers.Contains(t[i + 1].Lower))))
                x.Text = "I";
            if (AtSentenceStart(t, i) && char.IsLower(x.Text[0]))
                x.Text = char.ToUpper(x.Text[0], CultureInfo.InvariantCulture) + x.Text[1..];
        }
        if (t.Count == 0)
            return;
        int words = t.Count(x => x.Kind == Kind.Word);
        bool oneSentence = !t.Take(t.Count - 1).Any(x => x.Terminal || x.Kind == Kind.Break);
        switch (s.Mode)
        {
            case PromptModes.Commit:
                // The subject line takes no closing period (git convention); a body gets normal sentences.
                int lineEnd = t.FindIndex(x => x.Kind == Kind.Break);
                if (lineEnd < 0)
                {
                    if (t[^1].Text == "." && Render(t).Length <= 72)
                        t.RemoveAt(t.Count - 1);
                }
                else
                {
                    if (lineEnd > 0 && t[lineEnd - 1].Text == ".")
                        t.RemoveAt(lineEnd - 1);
                    EnsureClosingPeriod(t);
                }
                break;
            case PromptModes.Comment:
                // A short one-sentence comment is a label ("Fallback for old servers"); longer ones are sentences.
                if (oneSentence && words <= 5)
                {
                    if (t[^1].Text == "." && !t[^1].Code)
                        t.RemoveAt(t.Count - 1);
                }
                else
                    EnsureClosingPeriod(t);
                break;
            default:
                EnsureClosingPeriod(t);
                break;
        }
    }

    private static void EnsureClosingPeriod(List<Token> t)
    {
        int last = t.Count - 1;
        while (last >= 0 && t[last].Kind == Kind.Break)
            last--;
        if (last < 0)
            return;
        var x = t[last];
        bool closesSentence = x.Terminal || x.Text is "..." or "…"
            || (x.Kind == Kind.Punct && x.Text is ")" or "\"" or "”" or "’" or "»" or "」" or "』" or "）" or "]" && last > 0 && t[last - 1].Terminal);
        bool endsWithSomethingElse = x.Kind == Kind.Punct && x.Text is "," or ";" or ":" or "(" or "[" or "{" or "-"
            || (x.Produced && x.Code && x.Kind == Kind.Punct && !(x.Text is "++" or "--" && x.GlueLeft)); // "C++." ends a sentence
        if (!closesSentence && !endsWithSomethingElse)
            t.Insert(last + 1, Made(EndsInIdeographs(t, last) ? "。" : ".", glueLeft: true, glueRight: false, terminal: true));
    }

    /// <summary>Whether the sentence ending at <paramref name="last"/> is Chinese or Japanese, which end with "。".</summary>
    private static bool EndsInIdeographs(List<Token> t, int last)
    {
        for (int k = last; k >= 0; k--)
            if (t[k].Kind == Kind.Word)
                return t[k].Text[^1] is (>= '\u3040' and <= '\u30FF') or (>= '\u3400' and <= '\u4DBF') or (>= '\u4E00' and <= '\u9FFF') or (>= '\uF900' and <= '\uFAFF');
        return false;
    }

    private static string Render(List<Token> t)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < t.Count; i++)
        {
            var x = t[i];
            if (i > 0)
            {
                var prev = t[i - 1];
                bool space = x.Kind == Kind.Break || prev.Kind == Kind.Break ? false
                    : prev.Produced && prev.GlueRight ? false
                    : x.Produced ? !x.GlueLeft
                    : x.SpaceBefore;
                if (space)
                    sb.Append(' ');
            }
            sb.Append(x.Text);
        }
        return sb.ToString().Trim(' ');
    }
}
