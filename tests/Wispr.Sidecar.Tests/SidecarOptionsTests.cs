using Xunit;

namespace Wispr.Sidecar.Tests;

public sealed class SidecarOptionsTests
{
    [Fact]
    public void MaxTokens_is_off_by_default_and_parsed_when_given()
    {
        Assert.Null(SidecarOptions.Parse(["serve"]).Options.MaxTokens);
        var (options, positional) = SidecarOptions.Parse(["serve", "--maxTokens", "89"]);
        Assert.Equal(89, options.MaxTokens);
        Assert.Equal(["serve"], positional);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void MaxTokens_below_one_is_refused(string value) =>
        Assert.Throws<ArgumentException>(() => SidecarOptions.Parse(["serve", "--maxTokens", value]));

    [Fact]
    public void TokensPerSecond_is_off_by_default_and_parsed_in_any_culture()
    {
        Assert.Null(SidecarOptions.Parse(["serve"]).Options.TokensPerSecond);
        Assert.Equal(2.45, SidecarOptions.Parse(["serve", "--tokensPerSecond", "2.45"]).Options.TokensPerSecond);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("two")]
    public void TokensPerSecond_that_is_not_a_positive_number_is_refused(string value) =>
        Assert.Throws<ArgumentException>(() => SidecarOptions.Parse(["serve", "--tokensPerSecond", value]));

    [Fact]
    public void ParakeetModel_and_backend_are_parsed_and_cpu_turns_the_gpu_off()
    {
        var (options, _) = SidecarOptions.Parse(["serve", "--backend", "parakeet", "--parakeetModel", "models/parakeet", "--cpu"]);
        Assert.Equal("parakeet", options.Backend);
        Assert.Equal(Path.GetFullPath("models/parakeet"), options.ParakeetModelPath);
        Assert.False(options.UseGpu);
        Assert.Equal(BuildInfo.Cuda, SidecarOptions.Parse(["serve"]).Options.UseGpu);
    }

    [Fact]
    public void Gpu_asks_for_the_gpu_in_any_build() =>
        Assert.True(SidecarOptions.Parse(["serve", "--gpu"]).Options.UseGpu);

    [Fact]
    public void Threads_default_to_auto_and_audio_context_to_fit()
    {
        var options = SidecarOptions.Parse(["serve"]).Options;
        Assert.Equal(0, options.Threads);
        Assert.Equal(global::Wispr.Sidecar.Recognition.AudioContextMode.Fit, options.AudioContext);
        var (set, _) = SidecarOptions.Parse(["serve", "--threads", "3", "--audioContext", "full"]);
        Assert.Equal(3, set.Threads);
        Assert.Equal(global::Wispr.Sidecar.Recognition.AudioContextMode.Full, set.AudioContext);
    }

    [Theory]
    [InlineData("--threads", "-1")]
    [InlineData("--audioContext", "half")]
    public void Bad_recognition_options_are_refused(string flag, string value) =>
        Assert.Throws<ArgumentException>(() => SidecarOptions.Parse(["serve", flag, value]));
}
