namespace Wispr.Sidecar.Tests.Support;

/// <summary>Signal measurements for comparing what was played with what was captured.</summary>
public static class Signal
{
    public static double Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (var v in x)
            sum += (double)v * v;
        return x.Length == 0 ? 0 : Math.Sqrt(sum / x.Length);
    }

    /// <summary>
    /// The lag (in samples) at which <paramref name="reference"/> best matches <paramref name="captured"/> (negative: the capture
    /// began up to <paramref name="maxHeadLoss"/> samples into the reference), and the normalised correlation over the overlap
    /// (1 = identical up to gain). Coarse search on 4:1 decimated signals, then an exact search around the best coarse lag.
    /// </summary>
    public static (int Lag, double Correlation) Align(float[] reference, float[] captured, int maxHeadLoss = 1600)
    {
        const int step = 4;
        var r = Decimate(reference, step);
        var c = Decimate(captured, step);
        int bestCoarse = 0;
        double bestScore = double.MinValue;
        for (int lag = -maxHeadLoss / step; lag <= c.Length - r.Length / 2; lag++)
        {
            double sum = 0;
            int from = Math.Max(0, -lag), to = Math.Min(r.Length, c.Length - lag);
            for (int i = from; i < to; i++)
                sum += r[i] * c[i + lag];
            if (sum > bestScore)
            {
                bestScore = sum;
                bestCoarse = lag * step;
            }
        }
        double bestCorr = double.MinValue;
        int bestLag = bestCoarse;
        for (int lag = bestCoarse - 2 * step; lag <= bestCoarse + 2 * step; lag++)
        {
            var corr = Correlation(reference, captured, lag);
            if (corr > bestCorr)
            {
                bestCorr = corr;
                bestLag = lag;
            }
        }
        return (bestLag, bestCorr);
    }

    private static float[] Decimate(float[] x, int step)
    {
        var y = new float[x.Length / step];
        for (int i = 0; i < y.Length; i++)
        {
            float s = 0;
            for (int k = 0; k < step; k++)
                s += x[i * step + k];
            y[i] = s / step;
        }
        return y;
    }

    private static double Correlation(float[] a, float[] b, int lag)
    {
        double ab = 0, aa = 0, bb = 0;
        for (int i = Math.Max(0, -lag); i < a.Length && i + lag < b.Length; i++)
        {
            ab += (double)a[i] * b[i + lag];
            aa += (double)a[i] * a[i];
            bb += (double)b[i + lag] * b[i + lag];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.Sqrt(aa * bb);
    }
}
