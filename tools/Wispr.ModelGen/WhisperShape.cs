namespace Wispr.ModelGen;

/// <summary>Transformer dimensions of a generated model; audio and text stacks share state and heads, as whisper.cpp requires.</summary>
public sealed record WhisperShape(string Name, int State, int Heads, int AudioLayers, int TextLayers)
{
    /// <summary>64 state, 1 head, 1+1 layers: about 8 MB, fast enough for unit tests.</summary>
    public static WhisperShape Test { get; } = new("test", 64, 1, 1, 1);

    /// <summary>The dimensions of tiny.en (about 78 MB at f16).</summary>
    public static WhisperShape TinyEn { get; } = new("tiny", 384, 6, 4, 4);

    /// <summary>The dimensions of base.en (about 148 MB at f16).</summary>
    public static WhisperShape BaseEn { get; } = new("base", 512, 8, 6, 6);

    public static IReadOnlyList<WhisperShape> All { get; } = [Test, TinyEn, BaseEn];

    /// <summary>Looks a shape up by its name: test, tiny or base (".en" suffix accepted).</summary>
    public static WhisperShape Parse(string name)
    {
        var key = name.Trim().ToLowerInvariant();
        if (key.EndsWith(".en", StringComparison.Ordinal))
            key = key[..^3];
        return All.FirstOrDefault(s => s.Name == key)
            ?? throw new ArgumentException($"unknown shape '{name}'; use {string.Join(", ", All.Select(s => s.Name))}", nameof(name));
    }
}
