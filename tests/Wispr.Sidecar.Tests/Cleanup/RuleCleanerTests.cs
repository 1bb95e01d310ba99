using System.Text.RegularExpressions;
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
        { "a plus equals one semicolon", Prose, "javascript", "a += 1;" },
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
        { "set camel case user name equals five", Prose, "markdown", "Set userName = 5." },
        { "Camel case, user name.", Prose, "markdown", "Camel case, user name." },
        // Programmer dictation: dot, operators.
        { "console dot log", Prose, "javascript", "console.log" },
        { "call console dot log open paren close paren", Prose, "javascript", "call console.log()" },
        { "x equals 5", Prose, "markdown", "X = 5." },
        { "count equals zero", Prose, "python", "count = 0" },
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
        // Doubled spoken operators are operators, never a stutter (issue 11).
        { "left equals equals right", Prose, null, "Left == right." },
        { "left equals equals right", Prose, "python", "left == right" },
        { "a equals equals equals b", Prose, "javascript", "a === b" },
        { "i plus plus", Prose, "c", "i++" },
        { "plus plus i", Prose, "cpp", "++i" },
        { "I write C plus plus", Prose, null, "I write C++." },
        { "count minus minus", Prose, "java", "count--" },
        { "x plus one", Prose, "python", "x + 1" },
        { "std colon colon vector", Prose, "cpp", "std::vector" },
        { "a ampersand ampersand b", Prose, "javascript", "a && b" },
        { "x slash slash y", Prose, "python", "x // y" },
        { "git push dash dash force", Prose, "shellscript", "git push --force" },
        { "http colon slash slash example dot com", Prose, "markdown", "http://example.com." },
        { "first line new line new line second line", Prose, null, "First line\n\nSecond line." },
        { "https://example.com is down", Prose, null, "https://example.com is down." },
        { "call foo open paren bar open paren close paren close paren", Prose, "javascript", "call foo(bar())" },
        { "end comma comma then", Prose, null, "End, then." },
        { "wait what question mark question mark", Prose, null, "Wait what??" },
        // Units and other content words are never fillers.
        { "a 3 mm gap", Prose, null, "A 3 mm gap." },
        { "a three mm gap", Prose, null, "A three mm gap." },
        { "It draws 5 ah at peak.", Prose, null, "It draws 5 ah at peak." },
        { "Ask the UM team.", Prose, null, "Ask the UM team." },
        { "We need 3 uh servers.", Prose, null, "We need 3 servers." },
        { "A 2 um film.", Prose, null, "A 2 um film." },
        // Arithmetic words stay words in prose unless they follow code.
        { "Plan B plus extras.", Prose, null, "Plan B plus extras." },
        { "Five minus three is two.", Prose, null, "Five minus three is two." },
        { "count plus one", Prose, "python", "count + 1" },
        { "x equals minus one", Prose, "python", "x = -1" },
        { "Type the hash sign here.", Prose, null, "Type the hash sign here." },
        // A punctuation word with nothing to attach to stays a word; quotes pair up.
        { "period the end", Prose, null, "Period the end." },
        { "comma is a punctuation mark", Prose, null, "Comma is a punctuation mark." },
        { "Colon, I think.", Prose, null, "Colon, I think." },
        { "new line comma here", Prose, null, "\nComma here." },
        { "semicolon", Prose, "javascript", "semicolon" },
        { "quote hello unquote", Prose, null, "\"Hello\"." },
        { "quote hello unquote she said", Prose, null, "\"Hello\" she said." },
        { "quote hello", Prose, null, "Quote hello." },
        { "hello unquote", Prose, null, "Hello unquote." },
        { "quote a unquote and b unquote", Prose, null, "\"A\" and b unquote." },
        // Repeats: emphasis stays whatever its length, a grammar double keeps two, a repeated phrase is a stutter.
        { "It was so so so so good.", Prose, null, "It was so so so so good." },
        { "no no no no", Prose, null, "No no no no." },
        { "bye bye bye bye", Prose, null, "Bye bye bye bye." },
        { "I know that that that works.", Prose, null, "I know that that works." },
        { "She had had had enough.", Prose, null, "She had had enough." },
        { "we should we should fix it", Prose, null, "We should fix it." },
        { "We should, we should fix it.", Prose, null, "We should fix it." },
        { "I think that I think that it works", Prose, null, "I think that it works." },
        { "it is it is it is broken", Prose, null, "It is broken." },
        { "call 1 2 1 2", Prose, null, "Call 1 2 1 2." },
        { "one two one two", Prose, null, "One two one two." },
        // Hash / pound: "#" where the text is code; the named sign anywhere.
        { "hash include stdio dot h", Prose, "c", "#include stdio.h" },
        { "pound define max 10", Prose, "cpp", "#define max 10" },
        { "hash todo fix this", Prose, "python", "# todo fix this" },
        { "the hash of the file", Prose, "python", "the hash of the file" },
        { "use a hash map", Prose, "java", "use a hash map" },
        { "hash map of users", Prose, "java", "hash map of users" },
        { "fix issue hash sign 42", Prose, null, "Fix issue #42." },
        { "It costs a pound.", Prose, null, "It costs a pound." },
        { "Compare the hash first.", Prose, "markdown", "Compare the hash first." },
        // Number words become digits where the text is code (indexes, literals), not in prose.
        { "items open bracket zero close bracket", Prose, "python", "items[0]" },
        { "return twenty three", Prose, "python", "return 23" },
        { "x equals three point one four", Prose, "python", "x = 3.14" },
        { "timeout equals two thousand five hundred", Prose, "typescript", "timeout = 2500" },
        { "foo open paren one comma two close paren", Prose, "javascript", "foo(1, 2)" },
        { "limit equals one hundred and five", Prose, "go", "limit = 105" },
        { "one of the reasons is speed", Prose, null, "One of the reasons is speed." },
        { "one of the reasons", Prose, "python", "one of the reasons" },
        { "I have two cats", Prose, "markdown", "I have two cats." },
        { "it has one point of failure", Prose, null, "It has one point of failure." },
        { "version one dot two", Prose, "markdown", "Version 1.2." },
        { "the period period is short", Prose, null, "The period is short." },
        { "hash hash title", Prose, "python", "## title" },
        { "Dash it all.", Prose, null, "Dash it all." },
        { "ampersand", Prose, null, "Ampersand." },
        { "Period. The end.", Prose, null, "Period. The end." },
        { "Open paren.", Prose, null, "Open paren." },
        { "close brace", Prose, "javascript", "}" },
        { "a minus b", Prose, "python", "a - b" },
        { "say it again and again and again", Prose, null, "Say it again and again and again." },
        { "day after day after day", Prose, null, "Day after day after day." },
        { "go to go to the store", Prose, null, "Go to the store." },
        // Sentence ends in any script: no "." after a full-width or ideographic terminator.
        { "你好。", Prose, null, "你好。" },
        { "你好", Prose, null, "你好。" },
        { "你好！", Prose, null, "你好！" },
        { "本当？", Prose, null, "本当？" },
        { "「你好。」", Prose, null, "「你好。」" },
        { "你好。hello", Prose, null, "你好。Hello." },
        { "क्या हाल है।", Prose, null, "क्या हाल है।" },
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
            "arrow", "um", "the", "the", "i", "you", "know", "'", ",", ".", "?", "(", ")", "-", "w-", "getUserById", "\n", "x", "a", "double",
            "hash", "pound", "plus", "minus", "colon", "slash", "unquote", "3", "mm", "zero", "one", "twenty", "point", "hundred", "and", "你好", "。", "so"];
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

    /// <summary>Content words (no fillers, no spoken symbols, no number words, no case commands), all different: nothing here may be dropped.</summary>
    private static readonly string[] ContentWords =
    [
        "like", "so", "well", "actually", "very", "that", "had", "you", "I", "we", "the", "a", "cache", "build", "server", "is", "was",
        "slow", "fast", "really", "think", "should", "ship", "it", "gap", "wide", "then", "now", "because", "request", "drops",
        "first", "only", "retry", "after", "timeout", "fails", "green", "red", "test", "on", "start",
        "sum", "point", "case", "end", "line", "open", "close", "left", "right", "do", "no", "yes", "ha",
    ];
    private static readonly string[] FillerWords = ["um", "uh", "er", "ah", "hmm", "mm", "erm", "uhm"];
    private static readonly string[] Numbers = ["3", "12", "0", "2.5", "100"];
    private static readonly string[] UnitLookalikes = ["mm", "um", "ah"];

    private static Dictionary<string, int> WordCounts(string text)
    {
        var counts = new Dictionary<string, int>();
        foreach (Match m in Regex.Matches(text.ToLowerInvariant(), @"[\p{L}\p{N}_']+(?:\.[\p{N}]+)?"))
            counts[m.Value] = counts.GetValueOrDefault(m.Value) + 1;
        return counts;
    }

    [Fact]
    public void Random_dictations_lose_no_word_but_fillers()
    {
        var random = new Random(11);
        var cleaner = new RuleCleaner();
        string[] modes = [Prose, Comment, Commit];
        string?[] languages = [null, "markdown", "typescript", "python", "plaintext"];
        string[] punctuation = [",", ".", "?", "!", ""];
        for (int n = 0; n < 3000; n++)
        {
            // Distinct content words, so a stutter cannot arise; fillers and number + unit-like words mixed in.
            var content = ContentWords.OrderBy(_ => random.Next()).Take(random.Next(1, 14)).ToList();
            var spoken = new List<string>();
            var kept = new List<string>();
            foreach (var word in content)
            {
                if (random.Next(4) == 0)
                    spoken.Add(FillerWords[random.Next(FillerWords.Length)]); // a filler where fillers go: removed
                if (random.Next(6) == 0)
                {
                    // A number followed by a unit that looks like a filler ("3 mm", "5 ah", "2 um" micrometres), kept.
                    var number = Numbers[random.Next(Numbers.Length)];
                    var unit = UnitLookalikes[random.Next(UnitLookalikes.Length)];
                    spoken.Add(number);
                    spoken.Add(unit);
                    kept.Add(number);
                    kept.Add(unit);
                }
                spoken.Add(word + punctuation[random.Next(punctuation.Length)]);
                kept.Add(word);
            }
            var heard = string.Join(' ', spoken);
            var cleaned = cleaner.Clean(heard, new DictationContext(modes[n % 3], languages[n % 5]));
            var expected = WordCounts(string.Join(' ', kept));
            var actual = WordCounts(cleaned);
            Assert.True(expected.Count == actual.Count && expected.All(e => actual.GetValueOrDefault(e.Key) == e.Value),
                $"{modes[n % 3]}/{languages[n % 5]}: \"{heard}\" → \"{cleaned}\"");
        }
    }

    /// <summary>Spoken operator → what it must become, whatever the target; doubling a word changes the operator, never collapses.</summary>
    private static readonly (string Spoken, string Written)[] SpacedOperators =
    [
        ("equals equals", "=="), ("equals equals equals", "==="), ("double equals", "=="), ("triple equals", "==="), ("not equals", "!="),
        ("plus equals", "+="), ("minus equals", "-="), ("ampersand ampersand", "&&"), ("slash slash", "//"), ("fat arrow", "=>"),
    ];

    [Fact]
    public void Random_doubled_operators_keep_their_meaning()
    {
        var random = new Random(5);
        var cleaner = new RuleCleaner();
        string[] left = ["left", "count", "x", "user", "total", "value"];
        string[] right = ["right", "limit", "y", "other", "max", "result"];
        string?[] languages = [null, "markdown", "typescript", "python", "csharp", "go"];
        string[] stutters = ["", "the the ", "we should we should ", "so so so "];
        for (int n = 0; n < 2000; n++)
        {
            var (spoken, written) = SpacedOperators[random.Next(SpacedOperators.Length)];
            var (a, b) = (left[random.Next(left.Length)], right[random.Next(right.Length)]);
            var language = languages[random.Next(languages.Length)];
            var heard = $"{stutters[random.Next(stutters.Length)]}{a} {spoken} {b}";
            var cleaned = cleaner.Clean(heard, new DictationContext(Prose, language));
            Assert.Contains($" {written} ", " " + cleaned.ToLowerInvariant().TrimEnd('.') + " ", StringComparison.Ordinal);
            Assert.Contains($"{a} {written} {b}", cleaned, StringComparison.OrdinalIgnoreCase);

            // Increment and decrement glue to their operand on the side they are said.
            var (inc, glued) = random.Next(2) == 0 ? ("plus plus", "++") : ("minus minus", "--");
            var postfix = random.Next(2) == 0;
            var heardIncrement = postfix ? $"{a} {inc}" : $"{inc} {a}";
            var incremented = cleaner.Clean(heardIncrement, new DictationContext(Prose, languages[2 + random.Next(4)]));
            Assert.Equal(postfix ? a + glued : glued + a, incremented);

            // A spoken bracket or line break said k times is k of them, never one.
            int k = random.Next(1, 5);
            var closed = cleaner.Clean($"{a} open paren {b}" + string.Concat(Enumerable.Repeat(" close paren", k)), new DictationContext(Prose, languages[2 + random.Next(4)]));
            Assert.Equal(k, closed.Count(c => c == ')'));
            var broken = cleaner.Clean($"{a}" + string.Concat(Enumerable.Repeat(" new line", k)) + $" {b}", new DictationContext(Prose, language));
            Assert.Equal(k, broken.Count(c => c == '\n'));
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
