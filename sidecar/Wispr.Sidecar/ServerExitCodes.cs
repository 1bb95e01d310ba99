namespace Wispr.Sidecar;

/// <summary>Documented exit codes, so the extension can tell a crash from an orderly end.</summary>
public static class ServerExitCodes
{
    public const int Ok = 0;
    public const int ClientProcessExited = 1;
    public const int BadArguments = 2;
    public const int Failed = 3;
}
