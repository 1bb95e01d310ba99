using System.Diagnostics;

namespace Wispr.Sidecar.Tests.Support;

/// <summary>A small tmpfs for "the disk fills up" tests: needs Linux and the right to mount (root or CAP_SYS_ADMIN).</summary>
public static class TmpfsMount
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Null when a tmpfs can be mounted here; otherwise why not.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    public static bool TryMount(string folder, string size, out string why)
    {
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", folder);
        why = code == 0 ? "" : $"mount -t tmpfs failed ({code}): {output.Trim()}";
        return code == 0;
    }

    public static void Unmount(string folder) => Run("umount", folder);

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
            return "a tmpfs needs Linux";
        var folder = Directory.CreateTempSubdirectory("wispr-tmpfs-probe-").FullName;
        try
        {
            if (!TryMount(folder, "1m", out var why))
                return $"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {why}. The free-space check before a download is tested with an injected probe instead";
            Unmount(folder);
            return null;
        }
        finally
        {
            try { Directory.Delete(folder); } catch (IOException) { }
        }
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var output = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}

/// <summary>A fact that needs a mountable tmpfs: skipped, saying why, where none can be mounted.</summary>
public sealed class SkippableTmpfsFactAttribute : FactAttribute
{
    public SkippableTmpfsFactAttribute()
    {
        if (TmpfsMount.UnavailableReason is { } reason)
            Skip = reason;
    }
}
