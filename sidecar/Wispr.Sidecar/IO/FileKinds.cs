using System.Runtime.InteropServices;

namespace Wispr.Sidecar.IO;

public enum FileKind { Missing, Regular, Directory, Fifo, CharacterDevice, BlockDevice, Socket, Other }

/// <summary>
/// What a user-supplied path names, found by stat() without opening it: opening a FIFO blocks until someone writes to it, and a
/// character device such as /dev/zero never ends, so every file the sidecar reads on a client's word must be checked first.
/// .NET exposes no file type beyond file/directory, so on Unix this asks the runtime's own native shim (libSystem.Native's
/// SystemNative_Stat, whose FileStatus starts with Flags then Mode on every Unix the runtime supports).
/// </summary>
public static partial class FileKinds
{
    public static FileKind Of(string path)
    {
        if (string.IsNullOrEmpty(path))
            return FileKind.Missing;
        if (OperatingSystem.IsWindows())
            return OfWindows(path);
        int mode;
        try
        {
            mode = StatMode(path);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return File.Exists(path) ? FileKind.Regular : Directory.Exists(path) ? FileKind.Directory : FileKind.Missing;
        }
        return mode < 0 ? FileKind.Missing : (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
    }

    /// <summary>"a FIFO (named pipe)", for messages that say why a path was refused.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    private static FileKind OfWindows(string path)
    {
        // \\.\pipe\x, \\.\COM1 and the like are devices, not files.
        if (path.StartsWith(@"\\.\", StringComparison.Ordinal) || path.StartsWith(@"\\?\pipe", StringComparison.OrdinalIgnoreCase))
            return FileKind.Other;
        try
        {
            var attributes = File.GetAttributes(path);
            if (attributes.HasFlag(FileAttributes.Directory))
                return FileKind.Directory;
            return attributes.HasFlag(FileAttributes.Device) ? FileKind.Other : FileKind.Regular;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return FileKind.Missing;
        }
    }

    /// <summary>The st_mode of what <paramref name="path"/> names (symbolic links followed), or -1 if stat fails.</summary>
    private static unsafe int StatMode(string path)
    {
        // FileStatus is about 120 bytes; a larger buffer keeps a future field from writing past it.
        byte* status = stackalloc byte[512];
        return SystemNativeStat(path, status) != 0 ? -1 : *(int*)(status + sizeof(int));
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int SystemNativeStat(string path, byte* status);
}
