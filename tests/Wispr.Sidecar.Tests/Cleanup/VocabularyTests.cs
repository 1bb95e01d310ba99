using Wispr.Sidecar.Cleanup;

namespace Wispr.Sidecar.Tests.Cleanup;

/// <summary>The rule cleaner restores the code's exact spellings where plain English would spell them otherwise.</summary>
public sealed class VocabularyTests
{
    private static readonly VocabularySpec Vocabulary = new(
        Identifiers: ["getUserById", "getUser", "MAX_RETRIES", "user_name", "console.log", "HTTPServer", "render"],
        Dictionary: [new("package.json", "package dot json"), new("GitHub"), new("Kubernetes"), new("JSON"), new("VS Code")]);

    [Theory]
    [InlineData("call get user by id with the token", "Call getUserById with the token.")]
    [InlineData("call get user by ID", "Call getUserById.")]
    [InlineData("Call getUserByID.", "Call getUserById.")]
    [InlineData("call get user first", "Call getUser first.")]
    [InlineData("set max retries to three", "Set MAX_RETRIES to three.")]
    [InlineData("print the user name", "Print the user_name.")]
    [InlineData("use console dot log", "Use console.log.")]
    [InlineData("start the http server", "Start the HTTPServer.")]
    [InlineData("open package dot json", "Open package.json.")]
    [InlineData("push it to github", "Push it to GitHub.")]
    [InlineData("push it to git hub", "Push it to GitHub.")]
    [InlineData("deploy to kubernetes", "Deploy to Kubernetes.")]
    [InlineData("parse the json", "Parse the JSON.")]
    [InlineData("open vs code", "Open VS Code.")]
    // Precise: no plurals, no partial words, plain one-word identifiers left to the recogniser.
    [InlineData("get users by id", "Get users by id.")]
    [InlineData("the jsonify helper", "The jsonify helper.")]
    [InlineData("render it", "Render it.")]
    // The recogniser's punctuation splits a run.
    [InlineData("start the http, server", "Start the http, server.")]
    public void Restores_exact_spellings(string heard, string expected) =>
        Assert.Equal(expected, new RuleCleaner().Clean(heard, new DictationContext(PromptModes.Prose, "markdown", Vocabulary)));

    [Fact]
    public void A_dictionary_entry_wins_over_an_identifier_said_the_same_way()
    {
        var vocabulary = new VocabularySpec(["gitHub"], [new("GitHub")]);
        Assert.Equal("Push to GitHub.", new RuleCleaner().Clean("push to git hub", new DictationContext(Vocabulary: vocabulary)));
    }

    [Fact]
    public void The_nearest_identifier_wins_when_two_are_said_the_same_way()
    {
        var vocabulary = new VocabularySpec(["userName", "user_name"]);
        Assert.Equal("Print userName.", new RuleCleaner().Clean("print user name", new DictationContext(Vocabulary: vocabulary)));
    }

    [Fact]
    public void Thousands_of_identifiers_still_match_exactly()
    {
        var identifiers = Enumerable.Range(0, 5000).Select(i => $"handleEvent{i}Async").Append("getUserById").ToList();
        var matcher = new VocabularyMatcher(identifiers, []);
        Assert.Equal(5001, matcher.Count);
        var cleaner = new RuleCleaner(_ => matcher);
        Assert.Equal("Call handleEvent4321Async and getUserById.",
            cleaner.Clean("call handle event 4321 async and get user by id", new DictationContext(Vocabulary: new VocabularySpec(identifiers))));
    }

    [Theory]
    [InlineData("getUserById", "get user by id")]
    [InlineData("HTTPServer", "http server")]
    [InlineData("MAX_RETRIES", "max retries")]
    [InlineData("kebab-case-name", "kebab case name")]
    [InlineData("base64Encode", "base 64 encode")]
    [InlineData("console.log", "console dot log")]
    public void Identifiers_split_into_spoken_pieces(string identifier, string pieces) =>
        Assert.Equal(pieces, string.Join(' ', VocabularyMatcher.IdentifierPieces(identifier)));

    [Fact]
    public void Whisper_prompt_carries_the_vocabulary_after_the_users_prompt_within_its_budget()
    {
        var prompt = WhisperPrompt.Build("Talk about code.", Vocabulary)!;
        Assert.StartsWith("Talk about code. package.json, GitHub, Kubernetes, JSON, VS Code, getUserById, getUser, MAX_RETRIES, user_name, console.log, HTTPServer", prompt);
        Assert.DoesNotContain("render", prompt); // a plain word needs no hint

        var many = new VocabularySpec(Enumerable.Range(0, 1000).Select(i => $"symbolNumber{i}").ToList());
        var capped = WhisperPrompt.Build(null, many)!;
        Assert.InRange(capped.Length, 400, WhisperPrompt.MaxChars);
        Assert.StartsWith("symbolNumber0, symbolNumber1,", capped); // nearest first
        Assert.Null(WhisperPrompt.Build(null, null));
    }
}
