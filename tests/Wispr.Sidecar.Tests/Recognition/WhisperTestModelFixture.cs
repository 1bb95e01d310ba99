using Wispr.ModelGen;
using Xunit;

namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>Generates the Test-shape random-weight model once per test run into a temporary folder, deleted afterwards.</summary>
public sealed class WhisperTestModelFixture : IDisposable
{
    public WhisperTestModelFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("wispr-whisper-tests-").FullName;
        ModelPath = Path.Combine(Directory, "test-model.bin");
        WhisperModelGenerator.Generate(RepoPaths.VocabOnlyModel, ModelPath, WhisperShape.Test, seed: 1);
    }

    /// <summary>Scratch folder for this run; tests may write their own (corrupted) copies here.</summary>
    public string Directory { get; }

    /// <summary>A valid Test-shape model (64 state, 1+1 layers, f16, seed 1).</summary>
    public string ModelPath { get; }

    /// <summary>A fresh path inside <see cref="Directory"/>.</summary>
    public string NewPath(string name) => Path.Combine(Directory, $"{Guid.NewGuid():N}-{name}");

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a model still mapped by a leaked native context cannot be deleted on Windows.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WhisperModelCollection : ICollectionFixture<WhisperTestModelFixture>
{
    public const string Name = "whisper test model";
}
