using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;

namespace Wispr.Sidecar.Cleanup.Llm;

/// <summary>
/// OpenAI and every OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp server, Azure OpenAI's v1 endpoint) through
/// the OpenAI .NET SDK's <see cref="ChatClient"/>, pointed at <see cref="LlmConnection.BaseAddress"/>. The SDK's retry policy
/// is off (zero retries) and its network timeout is past the budget, so <see cref="LlmCleaner"/> alone decides on retries and
/// time; its logging is off, and our own lines name host, model, status and timing only. The transport is the shared
/// <see cref="HttpClient"/> the factory owns, so a connector holds nothing heavy.
/// </summary>
public sealed class OpenAiCleaner : LlmCleaner
{
    public const string DefaultBaseUrl = "https://api.openai.com/v1";
    public const string DefaultModel = "gpt-4o-mini";

    /// <summary>Sent to keyless local servers, which ignore it; the SDK insists on a credential.</summary>
    public const string PlaceholderKey = "no-key";

    private readonly ChatClient _client;

    public OpenAiCleaner(LlmConnection connection, HttpClient http, ILogger logger) : base(connection, logger)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = connection.BaseAddress,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = connection.Budget + TimeSpan.FromSeconds(5),
            ClientLoggingOptions = new ClientLoggingOptions { EnableLogging = false, EnableMessageLogging = false, EnableMessageContentLogging = false },
            EnableDistributedTracing = false,
        };
        _client = new ChatClient(connection.Model, new ApiKeyCredential(string.IsNullOrEmpty(connection.ApiKey) ? PlaceholderKey : connection.ApiKey), options);
    }

    public override string Name => LlmProviders.OpenAi;

    /// <summary>Hosted APIs that always need a key (OpenAI, Azure OpenAI): without one they are not called at all.</summary>
    public static bool IsOpenAiHost(Uri address) =>
        address.Host.Equals("api.openai.com", StringComparison.OrdinalIgnoreCase)
        || address.Host.EndsWith(".openai.azure.com", StringComparison.OrdinalIgnoreCase)
        || address.Host.EndsWith(".cognitiveservices.azure.com", StringComparison.OrdinalIgnoreCase);

    protected override async Task<string> CompleteAsync(LlmPrompt prompt, int maxAnswerChars, CancellationToken cancellationToken)
    {
        ChatMessage[] messages = [new SystemChatMessage(prompt.System), new UserChatMessage(prompt.User)];
        var options = new ChatCompletionOptions { Temperature = 0 };
        try
        {
            if (!Connection.Stream)
            {
                ChatCompletion completion = await _client.CompleteChatAsync(messages, options, cancellationToken).ConfigureAwait(false);
                if (completion.Content.Count == 0 && !string.IsNullOrEmpty(completion.Refusal))
                    throw new LlmReplyException("the model refused");
                return string.Concat(completion.Content.Select(p => p.Text));
            }

            var answer = new StringBuilder();
            await foreach (var update in _client.CompleteChatStreamingAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                foreach (var part in update.ContentUpdate)
                    answer.Append(part.Text);
                if (answer.Length > maxAnswerChars && AnswerValidator.PastLimit(answer.ToString(), maxAnswerChars))
                    throw new LlmAnswerTooLongException(maxAnswerChars);
            }
            return answer.ToString();
        }
        catch (ClientResultException e) when (e.Status != 0)
        {
            // Status and Retry-After only: the SDK's message quotes the response body, which may echo the key.
            var headers = e.GetRawResponse()?.Headers;
            string? retryAfter = null, retryAfterMs = null;
            headers?.TryGetValue("Retry-After", out retryAfter);
            headers?.TryGetValue("retry-after-ms", out retryAfterMs);
            throw new LlmHttpException(e.Status, ParseRetryAfter(retryAfter, retryAfterMs));
        }
        catch (ClientResultException e) when (e.InnerException is HttpRequestException http)
        {
            throw new HttpRequestException(http.HttpRequestError, $"request to {Host} failed", http.InnerException);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException
                                       && !cancellationToken.IsCancellationRequested)
        {
            throw new LlmReplyException("malformed JSON");
        }
    }
}
