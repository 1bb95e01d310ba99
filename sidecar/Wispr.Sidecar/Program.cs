using Wispr.Sidecar;
using Wispr.Sidecar.Recognition;

// Before any model loads, so freed model memory goes back to the system (see NativeAllocator).
NativeAllocator.Configure();
// Before whisper.cpp's OpenMP runtime loads, which reads it once: its workers sleep at barriers instead of spinning (see NativeThreading).
NativeThreading.Configure();

// stdout is the JSON-RPC wire: take it first, then point Console.Out at stderr so no stray write can corrupt it.
var wire = Console.OpenStandardOutput();
Console.SetOut(Console.Error);
return await SidecarProgram.RunAsync(args, Console.OpenStandardInput(), wire).ConfigureAwait(false);
