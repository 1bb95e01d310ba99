using Xunit;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>A fact that needs a real Whisper model: skipped, and saying so, unless WISPR_TEST_MODEL_PATH names one.</summary>
public sealed class RealModelFactAttribute : FactAttribute
{
    public const string EnvironmentVariable = "WISPR_TEST_MODEL_PATH";

    public RealModelFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentVariable)))
            Skip = "set WISPR_TEST_MODEL_PATH to a real ggml Whisper model to run the accuracy test";
    }

    public static string ModelPath => Environment.GetEnvironmentVariable(EnvironmentVariable)!;
}
