using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wispr.Sidecar.Hosting;
using Wispr.Sidecar.Rpc;
using Wispr.Sidecar.Tests.Support;
using M = Wispr.Sidecar.Rpc.SidecarRpcTarget.Methods;

namespace Wispr.Sidecar.Tests.Rpc;

/// <summary>
/// Bad input over the real JSON-RPC stream, written as raw bytes: malformed messages, omitted and wrong-typed params, broken
/// framing, hostile WAV headers and non-regular files. Each gets a documented code and a one-line message, and the sidecar
/// keeps serving; only framing it cannot resync from ends it, with exit code 4.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private readonly TestAudio _audio = new();
    private RawWireSidecar _sidecar = null!;
    private string _model = null!;

    public async Task InitializeAsync()
    {
        _model = _audio.Text("fake model", "model.bin");
        _sidecar = await RawWireSidecar.StartAsync(new SidecarOptions { ModelPath = _model, MaxRecordingSeconds = 5 }, new FakeBackendProvider());
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _audio.Dispose();
    }

    private async Task AssertStillServingAsync(int id = 900)
    {
        var status = await _sidecar.RequestAsync(id, M.Status, "{}");
        Assert.Equal("idle", status.GetProperty("result").GetProperty("state").GetString());
    }

    /// <summary>The error of an answer: a documented code, one line of text, no data (no stack trace, no .NET type).</summary>
    private static (int Code, string Message) Error(JsonElement answer)
    {
        Assert.False(answer.TryGetProperty("result", out _), $"expected an error, got {answer}");
        var error = answer.GetProperty("error");
        Assert.False(error.TryGetProperty("data", out _), $"error.data is not part of the protocol: {error}");
        var message = error.GetProperty("message").GetString()!;
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        return (error.GetProperty("code").GetInt32(), message);
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", -32700, null)]
    [InlineData("not json at all", -32700, null)]
    [InlineData("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}]", -32600, null)]
    [InlineData("42", -32600, null)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"foo\":1}", -32600, 7)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":5}", -32600, 8)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"status\",\"params\":\"x\"}", -32600, 9)]
    [InlineData("{\"id\":10,\"method\":\"status\"}", -32600, 10)]
    public async Task Malformed_messages_are_answered_and_the_sidecar_keeps_serving(string body, int code, int? id)
    {
        await _sidecar.SendAsync(body);
        var answer = await _sidecar.ReadAnswerAsync(id);
        Assert.Equal(code, Error(answer).Code);
        await AssertStillServingAsync();
        Assert.Equal(ServerExitCodes.Ok, _sidecar.Services.GetRequiredService<SidecarExit>().Code);
    }

    [Fact]
    public async Task A_stray_response_is_ignored_and_the_sidecar_keeps_serving()
    {
        await _sidecar.SendAsync("{\"jsonrpc\":\"2.0\",\"id\":55,\"result\":{}}");
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(M.Status)]
    [InlineData(M.DictationCancel)]
    [InlineData(M.ModelUnload)]
    [InlineData(M.Initialize)]
    [InlineData(M.CleanupConfigure)]
    public async Task Methods_whose_params_are_all_optional_accept_omitted_params(string method)
    {
        var answer = await _sidecar.RequestAsync(3, method);
        Assert.True(answer.TryGetProperty("result", out _), $"{method} without params: {answer}");
    }

    [Theory]
    [InlineData(M.TranscribeFile)]
    [InlineData(M.BackendSelect)]
    [InlineData(M.CleanupApply)]
    public async Task Methods_with_required_params_answer_InvalidParams_when_params_are_omitted(string method)
    {
        var (code, message) = Error(await _sidecar.RequestAsync(4, method));
        Assert.Equal(WisprErrorCodes.InvalidParams, code);
        Assert.Contains("needs", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(M.TranscribeFile, "{\"path\":5}")]
    [InlineData(M.Initialize, "{\"clientName\":{\"a\":1}}")]
    [InlineData(M.DictationStart, "{\"maxDurationMs\":\"soon\"}")]
    [InlineData(M.CleanupConfigure, "{\"timeoutMs\":true}")]
    public async Task A_wrong_typed_property_is_InvalidParams_with_one_line(string method, string paramsJson)
    {
        var (code, message) = Error(await _sidecar.RequestAsync(5, method, paramsJson));
        Assert.Equal(WisprErrorCodes.InvalidParams, code);
        Assert.Contains(method, message, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task An_oversized_Content_Length_ends_the_connection_with_a_protocol_error_without_buffering_it()
    {
        var before = GC.GetTotalMemory(false);
        await _sidecar.SendRawAsync(Encoding.ASCII.GetBytes("Content-Length: 2147483647\r\n\r\n{\"jsonrpc\":"));
        await WaitForStopAsync();
        Assert.Equal(ServerExitCodes.ProtocolError, _sidecar.Services.GetRequiredService<SidecarExit>().Code);
        Assert.True(GC.GetTotalMemory(false) - before < 64 << 20, "the announced 2 GB must not be allocated");
    }

    [Theory]
    [InlineData("hello sidecar\n")]
    [InlineData("Content-Length: many\r\n\r\n{}")]
    [InlineData("Content-Type: application/json\r\n\r\n{}")]
    public async Task Framing_that_cannot_be_resynchronised_ends_the_connection_with_a_protocol_error(string bytes)
    {
        await _sidecar.SendRawAsync(Encoding.ASCII.GetBytes(bytes));
        await WaitForStopAsync();
        Assert.Equal(ServerExitCodes.ProtocolError, _sidecar.Services.GetRequiredService<SidecarExit>().Code);
    }

    private async Task WaitForStopAsync()
    {
        var stopping = _sidecar.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        await Task.Delay(Timeout.Infinite, stopping).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A WAV header with the given fields and <paramref name="dataBytes"/> bytes of zeros after it.</summary>
    private string Wav(string name, int formatTag = 1, int channels = 1, uint sampleRate = 16000, int bits = 16, int? blockAlign = null,
        uint? byteRate = null, int dataBytes = 352_000)
    {
        int align = blockAlign ?? channels * bits / 8;
        var header = new byte[44];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)(36 + dataBytes));
        "WAVEfmt "u8.CopyTo(header.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(20), (ushort)formatTag);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(22), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), byteRate ?? unchecked(sampleRate * (uint)align));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(32), (ushort)align);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(34), (ushort)bits);
        "data"u8.CopyTo(header.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), (uint)dataBytes);
        var path = Path.Combine(_audio.Folder, name);
        File.WriteAllBytes(path, [.. header, .. new byte[dataBytes]]);
        return path;
    }

    public static TheoryData<string, string> BadHeaders => new()
    {
        { "rate0", "sample rate is 0 Hz" },
        { "rate1", "sample rate is 1 Hz" },
        { "rateMax", "sample rate is 4294967295 Hz" },
        { "bits12", "12-bit" },
        { "channels3", "3 channels" },
        { "adpcm", "format tag 0x0002" },
        { "blockAlign", "block align" },
        { "byteRate", "byte rate" },
    };

    private string BadWav(string kind) => kind switch
    {
        "rate0" => Wav("rate0.wav", sampleRate: 0),
        "rate1" => Wav("rate1.wav", sampleRate: 1),
        "rateMax" => Wav("rateMax.wav", sampleRate: uint.MaxValue),
        "bits12" => Wav("bits12.wav", bits: 12, blockAlign: 2, byteRate: 32000),
        "channels3" => Wav("channels3.wav", channels: 3),
        "adpcm" => Wav("adpcm.wav", formatTag: 2, bits: 4, blockAlign: 1, byteRate: 16000),
        "blockAlign" => Wav("blockAlign.wav", blockAlign: 7),
        _ => Wav("byteRate.wav", byteRate: 1),
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task A_WAV_header_field_out_of_range_is_AudioFormatUnsupported_for_both_file_calls(string kind, string why)
    {
        var path = JsonSerializer.Serialize(BadWav(kind));
        var (code, message) = Error(await _sidecar.RequestAsync(11, M.TranscribeFile, $"{{\"path\":{path}}}"));
        Assert.Equal(WisprErrorCodes.AudioFormatUnsupported, code);
        Assert.Contains(why, message, StringComparison.Ordinal);
        var (startCode, _) = Error(await _sidecar.RequestAsync(12, M.DictationStart, $"{{\"source\":{{\"kind\":\"wavFile\",\"path\":{path}}}}}"));
        Assert.Equal(WisprErrorCodes.AudioFormatUnsupported, startCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public void The_CLI_answers_a_12_bit_WAV_with_one_error_line_and_exit_code_3()
    {
        var wav = BadWav("bits12");
        var (code, stderr) = RunSidecar(["transcribe", wav, "--model", _model], stdin: null);
        Assert.Equal(ServerExitCodes.Failed, code);
        Assert.Contains("error 1002:", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_longer_than_the_recording_limit_is_AudioTooLong_before_it_is_read()
    {
        var path = JsonSerializer.Serialize(_audio.Tone(8.0));
        var (code, message) = Error(await _sidecar.RequestAsync(13, M.TranscribeFile, $"{{\"path\":{path}}}"));
        Assert.Equal(WisprErrorCodes.AudioTooLong, code);
        Assert.Contains("5 s", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_chunk_larger_than_the_file_is_read_as_what_the_file_holds()
    {
        // The header claims 4 GB of data; the file holds 1 s. Only that second is decoded.
        var path = Wav("claims-more.wav", dataBytes: 32_000);
        await using (var f = new FileStream(path, FileMode.Open))
        {
            f.Position = 40;
            f.Write(BitConverter.GetBytes(0xFFFFFFF0u));
        }
        var answer = await _sidecar.RequestAsync(14, M.TranscribeFile, $"{{\"path\":{JsonSerializer.Serialize(path)}}}");
        // Zeros are silence: the decoder read the second and the recogniser found it silent.
        Assert.Equal(WisprErrorCodes.NoSpeech, Error(answer).Code);
    }

    private string Fifo(string name)
    {
        var path = Path.Combine(_audio.Folder, name);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    [Fact]
    public async Task A_FIFO_as_WAV_is_refused_without_opening_it_and_status_answers_meanwhile()
    {
        if (OperatingSystem.IsWindows())
            return; // no mkfifo; named pipes there are refused by their \\.\pipe\ path
        var fifo = JsonSerializer.Serialize(Fifo("audio.wav"));
        await _sidecar.SendAsync($"{{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"{M.DictationStart}\",\"params\":{{\"source\":{{\"kind\":\"wavFile\",\"path\":{fifo}}}}}}}");
        await _sidecar.SendAsync($"{{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"{M.TranscribeFile}\",\"params\":{{\"path\":{fifo}}}}}");
        await AssertStillServingAsync(23);
        var (start, startMessage) = Error(await _sidecar.ReadAnswerAsync(21, TimeSpan.FromSeconds(20)));
        Assert.Equal(WisprErrorCodes.AudioFormatUnsupported, start);
        Assert.Contains("FIFO", startMessage, StringComparison.Ordinal);
        Assert.Equal(WisprErrorCodes.AudioFormatUnsupported, Error(await _sidecar.ReadAnswerAsync(22, TimeSpan.FromSeconds(20))).Code);
    }

    [Fact]
    public async Task A_FIFO_or_device_as_model_is_ModelInvalid_and_status_still_answers()
    {
        if (OperatingSystem.IsWindows())
            return;
        var fifo = JsonSerializer.Serialize(Fifo("model-fifo.bin"));
        var (select, message) = Error(await _sidecar.RequestAsync(31, M.BackendSelect, $"{{\"backend\":\"whisper\",\"modelPath\":{fifo}}}", TimeSpan.FromSeconds(20)));
        Assert.Equal(WisprErrorCodes.ModelInvalid, select);
        Assert.Contains("FIFO", message, StringComparison.Ordinal);
        var (init, _) = Error(await _sidecar.RequestAsync(32, M.Initialize, $"{{\"parakeetModelPath\":{fifo}}}", TimeSpan.FromSeconds(20)));
        Assert.Equal(WisprErrorCodes.ModelInvalid, init);
        var (device, _) = Error(await _sidecar.RequestAsync(33, M.BackendSelect, "{\"backend\":\"whisper\",\"modelPath\":\"/dev/zero\"}", TimeSpan.FromSeconds(20)));
        Assert.Equal(WisprErrorCodes.ModelInvalid, device);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_key_inside_the_base_address_is_masked_in_the_configure_result()
    {
        var answer = await _sidecar.RequestAsync(41, M.CleanupConfigure,
            "{\"mode\":\"llm\",\"provider\":\"openai\",\"baseUrl\":\"https://me:sk-SECRET1@llm.example.com:8443/v1?api-key=sk-SECRET2&x=1\"}");
        var baseUrl = answer.GetProperty("result").GetProperty("baseUrl").GetString()!;
        Assert.DoesNotContain("SECRET", baseUrl, StringComparison.Ordinal);
        Assert.Equal("https://***@llm.example.com:8443/v1?api-key=***&x=***", baseUrl);
    }

    /// <summary>The real sidecar process: its exit code and its stderr.</summary>
    internal static (int ExitCode, string Stderr) RunSidecar(string[] args, byte[]? stdin)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Wispr.Sidecar.dll"));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["WISPR_CACHE_DIR"] = Path.Combine(Path.GetTempPath(), "wispr-badinput-cache");
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        if (stdin is not null)
            process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the sidecar did not exit within 2 minutes");
        }
        stdout.Wait(TimeSpan.FromSeconds(10));
        return (process.ExitCode, stderr.Result);
    }

    [Fact]
    public void The_process_answers_malformed_JSON_then_exits_0_at_end_of_input_and_4_on_broken_framing()
    {
        // An answered parse error, then EOF: an orderly end.
        var (clean, _) = RunSidecar(["serve", "--model", _model], RawWireSidecar.Frame("{oops"));
        Assert.Equal(ServerExitCodes.Ok, clean);

        var (broken, stderr) = RunSidecar(["serve", "--model", _model], Encoding.ASCII.GetBytes("Content-Length: 99999999999\r\n\r\n"));
        Assert.Equal(ServerExitCodes.ProtocolError, broken);
        Assert.Contains("exceeds the message size limit", stderr, StringComparison.Ordinal);
    }
}

/// <summary>A failure nobody planned for (a bug) still reaches the client as a documented code and one line, without a stack trace.</summary>
public sealed class UnexpectedFailureTests
{
    private sealed class ThrowingProvider : Wispr.Sidecar.Recognition.ISpeechBackendProvider
    {
        public string Id => "whisper";
        public string Label => "Whisper (throws)";
        public string? UnavailableReason => null;

        public Task<(string ModelPath, bool Downloaded)> EnsureModelAsync(string? modelPathOverride, Action<Wispr.Sidecar.Models.ModelProgress>? progress,
            CancellationToken cancellationToken) => throw new InvalidOperationException("the provider broke\nsecond line of the message");

        public Task<Wispr.Sidecar.Recognition.ISpeechBackend> LoadAsync(string modelPath, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    [Fact]
    public async Task An_unexpected_exception_is_InternalError_with_one_line_and_no_data()
    {
        await using var sidecar = await RawWireSidecar.StartAsync(new SidecarOptions(), new ThrowingProvider());
        var answer = await sidecar.RequestAsync(1, M.ModelPrepare, "{}");
        var error = answer.GetProperty("error");
        Assert.False(error.TryGetProperty("data", out _), $"error.data is not part of the protocol: {error}");
        var message = error.GetProperty("message").GetString()!;
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        Assert.Contains("the provider broke", message, StringComparison.Ordinal);
        Assert.Equal(WisprErrorCodes.InternalError, error.GetProperty("code").GetInt32());
        var status = await sidecar.RequestAsync(2, M.Status);
        Assert.Equal("idle", status.GetProperty("result").GetProperty("state").GetString());
    }
}
