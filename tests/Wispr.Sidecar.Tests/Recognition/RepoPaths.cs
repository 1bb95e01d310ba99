namespace Wispr.Sidecar.Tests.Recognition;

/// <summary>Files the tests take from the repository itself, so a fresh clone runs them without anything outside it.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The folder holding wispr-vscode.sln, found by walking up from the test binaries.</summary>
    public static string Root => RootLazy.Value;

    public static string VocabOnlyModel => Path.Combine(Root, "assets", "models", "for-tests-ggml-tiny.en.bin");
    public static string JfkWav => Path.Combine(Root, "samples", "jfk.wav");
    public static string JfkText => Path.Combine(Root, "samples", "jfk.txt");
    public static string LibrivoxDir => Path.Combine(Root, "tests", "fixtures", "audio", "librivox");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "wispr-vscode.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No wispr-vscode.sln above {AppContext.BaseDirectory}.");
    }
}
