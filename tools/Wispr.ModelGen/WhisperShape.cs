namespace Wispr.ModelGen;

/// <summary>Transformer dimensions of a generated model; audio and text stacks share state and heads, as whisper.cpp requires.</summary>
/// <param name="Mels">Mel bins of the input (80, or 128 for large-v3 and large-v3-turbo).</param>
public sealed record WhisperShape(string Name, int State, int Heads, int AudioLayers, int TextLayers, int Mels = 80)
{
    /// <summary>64 state, 1 head, 1+1 layers: about 8 MB, fast enough for unit tests.</summary>
    public static WhisperShape Test { get; } = new("test", 64, 1, 1, 1);

    /// <summary>The dimensions of tiny.en (about 78 MB at f16).</summary>
    public static WhisperShape TinyEn { get; } = new("tiny", 384, 6, 4, 4);

    /// <summary>The dimensions of base.en (about 148 MB at f16).</summary>
    public static WhisperShape BaseEn { get; } = new("base", 512, 8, 6, 6);

    /// <summary>The dimensions of large-v3-turbo: 128 mel bins, 1280 state, 20 heads, 32 encoder and 4 decoder layers (about
    /// 1.6 GB at f16). Generated with the English-only vocabulary (n_vocab 51864, not 51866): 2.6 MB less token embedding.</summary>
    public static WhisperShape LargeV3Turbo { get; } = new("large-v3-turbo", 1280, 20, 32, 4, Mels: 128);

    public static IReadOnlyList<WhisperShape> All { get; } = [Test, TinyEn, BaseEn, LargeV3Turbo];

    /// <summary>Looks a shape up by its name: test, tiny, base or large-v3-turbo (".en" suffix accepted).</summary>
    public static WhisperShape Parse(string name)
    {
        var key = name.Trim().ToLowerInvariant();
        if (key.EndsWith(".en", StringComparison.Ordinal))
            key = key[..^3];
        return All.FirstOrDefault(s => s.Name == key)
            ?? throw new ArgumentException($"unknown shape '{name}'; use {string.Join(", ", All.Select(s => s.Name))}", nameof(name));
    }
}
