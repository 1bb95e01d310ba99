namespace Wispr.Sidecar.Recognition.Parakeet;

/// <summary>
/// NeMo's log-mel front end as Parakeet expects it (AudioToMelSpectrogramPreprocessor, as re-implemented by onnx-asr's
/// NemoPreprocessorNumpy): pre-emphasis 0.97, centred 512-point FFT frames every 160 samples (10 ms) under a 400-sample
/// (25 ms) symmetric Hann window, power spectrum, Slaney-scale Slaney-normalised mel filters over 0–8 kHz,
/// log(x + 2^-24), then per-feature normalisation (mean and unbiased standard deviation of each mel bin over the valid frames).
/// </summary>
public sealed class NemoFeatureExtractor
{
    public const int SampleRate = 16_000;
    public const int FftSize = 512;
    public const int WindowLength = 400;
    public const int HopLength = 160;
    private const double Preemphasis = 0.97;
    private const double LogZeroGuard = 1.0 / (1 << 24);

    private readonly float[] _filters; // [bins, mels], row-major
    private readonly double[] _window; // FftSize long, the Hann window centred in it
    private readonly double[] _cos;
    private readonly double[] _sin;
    private readonly int[] _bitReverse;

    public NemoFeatureExtractor(int mels = 128)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mels, 1);
        Mels = mels;
        _filters = SlaneyMelFilters(FftSize / 2 + 1, mels, SampleRate);
        _window = new double[FftSize];
        var offset = (FftSize - WindowLength) / 2;
        for (var n = 0; n < WindowLength; n++)
            _window[offset + n] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / (WindowLength - 1)); // numpy.hanning: symmetric
        _cos = new double[FftSize / 2];
        _sin = new double[FftSize / 2];
        for (var k = 0; k < FftSize / 2; k++)
        {
            _cos[k] = Math.Cos(-2 * Math.PI * k / FftSize);
            _sin[k] = Math.Sin(-2 * Math.PI * k / FftSize);
        }
        _bitReverse = new int[FftSize];
        var bits = (int)Math.Log2(FftSize);
        for (var i = 0; i < FftSize; i++)
        {
            int r = 0, x = i;
            for (var b = 0; b < bits; b++) { r = (r << 1) | (x & 1); x >>= 1; }
            _bitReverse[i] = r;
        }
    }

    public int Mels { get; }

    /// <summary>Number of valid feature frames for <paramref name="samples"/> samples (NeMo: samples / hop).</summary>
    public static int ValidFrames(int samples) => samples / HopLength;

    /// <summary>
    /// Features [mels, frames] row-major, frames = samples / 160 + 1 (the centred STFT's count); frames past
    /// <see cref="ValidFrames"/> are zero, as the model was trained with.
    /// </summary>
    public (float[] Features, int Frames, int ValidFrames) Compute(ReadOnlySpan<float> pcm)
    {
        var n = pcm.Length;
        var valid = ValidFrames(n);
        if (valid < 2)
            throw new ArgumentException($"At least {2 * HopLength} samples are needed, got {n}.", nameof(pcm));
        var frames = n / HopLength + 1;

        // Pre-emphasis, then centre padding of FftSize/2 zeros on each side.
        var padded = new double[n + FftSize];
        var pad = FftSize / 2;
        padded[pad] = pcm[0];
        for (var i = 1; i < n; i++)
            padded[pad + i] = pcm[i] - Preemphasis * pcm[i - 1];

        var bins = FftSize / 2 + 1;
        var logMel = new double[frames * Mels]; // [frames, mels]
        var re = new double[FftSize];
        var im = new double[FftSize];
        var power = new float[bins];
        for (var f = 0; f < frames; f++)
        {
            var start = f * HopLength;
            for (var i = 0; i < FftSize; i++)
            {
                re[_bitReverse[i]] = padded[start + i] * _window[i];
                im[_bitReverse[i]] = 0;
            }
            Fft(re, im);
            for (var k = 0; k < bins; k++)
            {
                var magnitude = (float)Math.Sqrt(re[k] * re[k] + im[k] * im[k]);
                power[k] = magnitude * magnitude;
            }
            for (var m = 0; m < Mels; m++)
            {
                float sum = 0;
                for (var k = 0; k < bins; k++)
                    sum += power[k] * _filters[k * Mels + m];
                logMel[f * Mels + m] = Math.Log(sum + LogZeroGuard);
            }
        }

        var features = new float[Mels * frames]; // [mels, frames]
        for (var m = 0; m < Mels; m++)
        {
            double mean = 0;
            for (var f = 0; f < valid; f++)
                mean += logMel[f * Mels + m];
            mean /= valid;
            double variance = 0;
            for (var f = 0; f < valid; f++)
            {
                var d = logMel[f * Mels + m] - mean;
                variance += d * d;
            }
            variance /= valid - 1;
            var scale = 1.0 / (Math.Sqrt(variance) + 1e-5);
            for (var f = 0; f < valid; f++)
                features[m * frames + f] = (float)((logMel[f * Mels + m] - mean) * scale);
        }
        return (features, frames, valid);
    }

    /// <summary>In-place iterative radix-2 FFT; the input is already in bit-reversed order.</summary>
    private void Fft(double[] re, double[] im)
    {
        for (var size = 2; size <= FftSize; size <<= 1)
        {
            var half = size / 2;
            var step = FftSize / size;
            for (var start = 0; start < FftSize; start += size)
            {
                for (var k = 0; k < half; k++)
                {
                    double wr = _cos[k * step], wi = _sin[k * step];
                    int a = start + k, b = a + half;
                    var tr = re[b] * wr - im[b] * wi;
                    var ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr; im[b] = im[a] - ti;
                    re[a] += tr; im[a] += ti;
                }
            }
        }
    }

    /// <summary>torchaudio's melscale_fbanks(norm="slaney", mel_scale="slaney") over 0..sampleRate/2, as [bins, mels].</summary>
    internal static float[] SlaneyMelFilters(int bins, int mels, int sampleRate)
    {
        static double HzToMel(double hz) => hz < 1000 ? 3 * hz / 200.0 : 15 + 27 * Math.Log(hz / 1000.0 + 1.1920929e-07) / Math.Log(6.4);
        static double MelToHz(double mel) => mel < 15 ? 200 * mel / 3.0 : 1000 * Math.Pow(6.4, (mel - 15) / 27.0);

        var fMax = sampleRate / 2.0;
        var mMin = HzToMel(0);
        var mMax = HzToMel(fMax);
        var points = new double[mels + 2];
        for (var i = 0; i < points.Length; i++)
            points[i] = MelToHz(mMin + (mMax - mMin) * i / (mels + 1));
        var filters = new float[bins * mels];
        for (var k = 0; k < bins; k++)
        {
            var freq = fMax * k / (bins - 1);
            for (var m = 0; m < mels; m++)
            {
                var up = (freq - points[m]) / (points[m + 1] - points[m]);
                var down = (points[m + 2] - freq) / (points[m + 2] - points[m + 1]);
                var value = Math.Max(0, Math.Min(up, down)) * 2.0 / (points[m + 2] - points[m]);
                filters[k * mels + m] = (float)value;
            }
        }
        return filters;
    }
}
