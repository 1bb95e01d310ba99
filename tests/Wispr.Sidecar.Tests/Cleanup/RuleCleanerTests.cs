using Wispr.Sidecar.Cleanup;

namespace Wispr.Sidecar.Tests.Cleanup;

/// <summary>The rule cleaner's specification: what the recogniser heard, where it goes, and what the user must get.</summary>
public sealed class RuleCleanerTests
{
    private const string Prose = PromptModes.Prose, Comment = PromptModes.Comment, Commit = PromptModes.Commit;

    public static TheoryData<string, string, string?, string> Cases => new()
    {
        // Filler words.
        { "Um, I think we should ship it.", Prose, null, "I think we should ship it." },
        { "So, uh, the build is green.", Prose, null, "So the build is green." },
        { "We should, um, call it.", Prose, null, "We should call it." },
        { "We need er more tests.", Prose, null, "We need more tests." },
        { "Hmm, that is odd.", Prose, null, "That is odd." },
        { "It works, uh.", Prose, null, "It works." },
        { "Let me think. Um. Okay, go.", Prose, null, "Let me think. Okay, go." },
        { "You know, it crashes on start.", Prose, null, "It crashes on start." },
        { "It is, you know, slow.", Prose, null, "It is slow." },
        { "I mean, the cache is stale.", Prose, null, "The cache is stale." },
        // Non-changes: meaningful words that look like fillers.
        { "I like it.", Prose, null, "I like it." },
        { "Do you know the answer?", Prose, null, "Do you know the answer?" },
        { "You know the drill.", Prose, null, "You know the drill." },
        { "I mean it.", Prose, null, "I mean it." },
        { "It looks like a bug.", Prose, null, "It looks like a bug." },
        // Stutters and repeated words.
        { "The the test fails.", Prose, null, "The test fails." },
        { "I I I think so.", Prose, null, "I think so." },
        { "I, I want this.", Prose, null, "I want this." },
        { "Open the w- window.", Prose, null, "Open the window." },
        { "This is is fine.", Prose, null, "This is fine." },
        // Non-changes: doubles that are grammar, emphasis or numbers.
        { "I know that that works.", Prose, null, "I know that that works." },
        { "She had had enough.", Prose, null, "She had had enough." },
        { "It is very very fast.", Prose, null, "It is very very fast." },
        { "Call 1 1 2.", Prose, null, "Call 1 1 2." },
        // Capitalisation and sentence punctuation.
        { "i think it works", Prose, null, "I think it works." },
        { "i'm done. it works", Prose, null, "I'm done. It works." },
        { "does it work?", Prose, null, "Does it work?" },
        { "ship it!", Prose, "markdown", "Ship it!" },
        { "Already clean.", Prose, "plaintext", "Already clean." },
        { "Caches, e.g. the disk cache, are slow.", Prose, null, "Caches, e.g. the disk cache, are slow." },
        { "Ask Dr. Smith", Prose, null, "Ask Dr. Smith." },
        { "Uh, uh.", Prose, null, "" },
        // Spoken punctuation.
        { "hello comma world period", Prose, null, "Hello, world." },
        { "Hello, comma, world period.", Prose, null, "Hello, world." },
        { "is it ready question mark", Prose, null, "Is it ready?" },
        { "watch out exclamation mark", Prose, null, "Watch out!" },
        { "note colon it is slow", Prose, null, "Note: it is slow." },
        { "one thing semicolon another", Prose, null, "One thing; another." },
        { "the end full stop", Prose, null, "The end." },
        { "first line new line second line", Prose, null, "First line\nSecond line." },
        { "intro new paragraph body", Prose, null, "Intro\n\nBody." },
        { "see open paren below close paren", Prose, null, "See (below)." },
        { "he said open quote hello close quote", Prose, null, "He said \"hello\"." },
        { "He said, quote, no, unquote.", Prose, null, "He said, \"no\"." },
        { "The quote unquote expert.", Prose, null, "The quote unquote expert." },
        { "a plus equals one semicolon", Prose, "javascript", "a += one;" },
        { "well hyphen known", Prose, null, "Well-known." },
        { "fast dash really fast", Prose, null, "Fast - really fast." },
        // Non-changes: the noun, not the mark.
        { "The period of the signal is short.", Prose, null, "The period of the signal is short." },
        { "Add a comma here.", Prose, null, "Add a comma here." },
        { "It has a dot on top.", Prose, null, "It has a dot on top." },
        { "Start a new line of products.", Prose, null, "Start a new line of products." },
        { "add new line handling to the parser", Commit, "git-commit", "Add new line handling to the parser" },
        { "Strip trailing new lines.", Prose, null, "Strip trailing new lines." },
        { "The trial period ends soon.", Prose, null, "The trial period ends soon." },
        { "It equals the sum.", Prose, null, "It equals the sum." },
        { "Follow the arrow.", Prose, null, "Follow the arrow." },
        // Programmer dictation: case commands.
        { "camel case user name", Prose, "typescript", "userName" },
        { "snake case user name", Prose, "python", "user_name" },
        { "kebab case user name", Prose, "css", "user-name" },
        { "pascal case user name", Prose, "csharp", "UserName" },
        { "screaming snake case max retries", Prose, "typescript", "MAX_RETRIES" },
        { "constant case max retries", Prose, "typescript", "MAX_RETRIES" },
        { "camel case user name end case is empty", Prose, "markdown", "userName is empty." },
        { "set camel case user name equals five", Prose, "markdown", "Set userName = five." },
        { "Camel case, user name.", Prose, "markdown", "Camel case, user name." },
        // Programmer dictation: dot, operators.
        { "console dot log", Prose, "javascript", "console.log" },
        { "call console dot log open paren close paren", Prose, "javascript", "call console.log()" },
        { "x equals 5", Prose, "markdown", "X = 5." },
        { "count equals zero", Prose, "python", "count = zero" },
        { "a double equals b", Prose, "javascript", "a == b" },
        { "a triple equals b", Prose, "javascript", "a === b" },
        { "a not equals b", Prose, "javascript", "a != b" },
        { "x arrow x", Prose, "typescript", "x => x" },
        { "x arrow x", Prose, "rust", "x -> x" },
        { "pointer arrow next", Prose, "c", "pointer->next" },
        { "items open bracket 0 close bracket", Prose, "python", "items[0]" },
        { "open brace close brace", Prose, "json", "{}" },
        { "Git push double dash force.", Prose, "shellscript", "Git push --force" },
        { "user at sign example dot com", Prose, "markdown", "user@example.com." },
        { "open the dot env file", Prose, "markdown", "Open the dot env file." },
        // Comment mode: sentence case; a short label keeps no period, sentences get one.
        { "fallback for old servers.", Comment, "typescript", "Fallback for old servers" },
        { "this retries because the server drops the first request", Comment, "typescript", "This retries because the server drops the first request." },
        { "increment i each time", Comment, "c", "Increment i each time" },
        { "i think this is wrong", Comment, "python", "I think this is wrong" },
        // Commit mode: capitalised subject without a closing period; the body keeps its sentences.
        { "fix the crash on start.", Commit, "git-commit", "Fix the crash on start" },
        { "fix the crash new paragraph the buffer was freed twice", Commit, "git-commit", "Fix the crash\n\nThe buffer was freed twice." },
        // Nothing to do.
        { "", Prose, null, "" },
        { "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.", Prose, null,
          "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cleans_as_specified(string heard, string mode, string? languageId, string expected)
    {
        var cleaner = new RuleCleaner();
        Assert.Equal(expected, cleaner.Clean(heard, new DictationContext(mode, languageId)));
    }

    [Fact]
    public void Any_mix_of_command_words_and_punctuation_cleans_without_throwing_or_stray_spaces()
    {
        string[] parts = ["camel", "case", "end", "dot", "period", "comma", "open", "close", "paren", "quote", "new", "line", "equals",
            "arrow", "um", "the", "the", "i", "you", "know", "'", ",", ".", "?", "(", ")", "-", "w-", "getUserById", "\n", "x", "a", "double"];
        var random = new Random(7);
        var cleaner = new RuleCleaner();
        string[] modes = [Prose, Comment, Commit];
        string?[] languages = [null, "markdown", "typescript", "c"];
        for (int n = 0; n < 3000; n++)
        {
            var text = string.Join(random.Next(4) == 0 ? "" : " ", Enumerable.Range(0, random.Next(1, 12)).Select(_ => parts[random.Next(parts.Length)]));
            var cleaned = cleaner.Clean(text, new DictationContext(modes[n % 3], languages[n % 4], new VocabularySpec(["getUserById"], [new("GitHub")])));
            Assert.False(cleaned.StartsWith(' ') || cleaned.EndsWith(' ') || cleaned.Contains("  "), $"{text} → \"{cleaned}\"");
        }
    }

    [Fact]
    public void Cleaning_twice_changes_nothing_more()
    {
        var cleaner = new RuleCleaner();
        foreach (var row in Cases)
        {
            var (mode, languageId, expected) = ((string)row[1], (string?)row[2], (string)row[3]);
            if (expected.Contains('\n') || mode != Prose || languageId is not (null or "markdown"))
                continue;
            Assert.Equal(expected, cleaner.Clean(expected, new DictationContext(mode, languageId)));
        }
    }
}
