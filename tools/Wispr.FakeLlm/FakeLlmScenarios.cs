namespace Wispr.FakeLlm;

/// <summary>How the fake LLM answers; switch with <see cref="FakeLlmServer.Scenario"/> or <c>POST /_scenario</c>.</summary>
public static class FakeLlmScenarios
{
    /// <summary>A plausibly cleaned transcript: vocabulary spellings applied, first letter capitalised, a final period.</summary>
    public const string Clean = "clean";
    /// <summary>HTTP 429 with <c>Retry-After</c> for the first <see cref="FakeLlmServer.FailCount"/> requests, then <see cref="Clean"/>.</summary>
    public const string TooManyThenOk = "429-then-ok";
    /// <summary>HTTP 500 with an error body.</summary>
    public const string ServerError = "500";
    /// <summary>HTTP 401 whose error body quotes the key it got, as some real servers do, so tests can prove no caller repeats it.</summary>
    public const string Unauthorized = "401";
    /// <summary>Reads the request and never answers (until the client gives up or the server stops).</summary>
    public const string Timeout = "timeout";
    /// <summary>HTTP 200 with a body that is not valid JSON (or, streamed, an event that is not).</summary>
    public const string Malformed = "malformed";
    /// <summary>Starts the answer (headers and a first piece), then drops the connection mid-body.</summary>
    public const string Drop = "drop";
    /// <summary>A long answer that has nothing to do with the transcript.</summary>
    public const string Far = "far";
    /// <summary>Does what the transcript says: answers its question, writes the poem it asks for.</summary>
    public const string Obey = "obey";
    /// <summary>The clean answer behind chatter: "Sure! Here is the cleaned text:".</summary>
    public const string EchoWrapper = "echo-wrapper";

    public static IReadOnlyList<string> All { get; } =
        [Clean, TooManyThenOk, ServerError, Unauthorized, Timeout, Malformed, Drop, Far, Obey, EchoWrapper];
}
