using Wispr.Sidecar;

// stdout is the JSON-RPC wire: take it first, then point Console.Out at stderr so no stray write can corrupt it.
var wire = Console.OpenStandardOutput();
Console.SetOut(Console.Error);
return await SidecarProgram.RunAsync(args, Console.OpenStandardInput(), wire).ConfigureAwait(false);
