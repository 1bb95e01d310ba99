namespace Wispr.Sidecar.Hosting;

/// <summary>The transport, passed in rather than reached for, so tests can use an in-memory pair.</summary>
public sealed record RpcStreams(Stream Input, Stream Output);
