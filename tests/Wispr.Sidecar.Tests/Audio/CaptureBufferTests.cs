using Wispr.Sidecar.Audio;

namespace Wispr.Sidecar.Tests.Audio;

public class CaptureBufferTests
{
    [Fact]
    public void TakeAndReset_returns_what_was_written_and_keeps_capacity()
    {
        var buffer = new CaptureBuffer(16000 * 60);
        var block = Enumerable.Range(0, 320).Select(i => i / 320f).ToArray();
        for (int i = 0; i < 100; i++)
            buffer.Write(block);
        var capacity = buffer.Capacity;

        var taken = buffer.TakeAndReset();

        Assert.Equal(32000, taken.Length);
        Assert.Equal(block, taken[..320]);
        Assert.Equal(0, buffer.Count);
        Assert.Equal(capacity, buffer.Capacity);
    }

    [Fact]
    public void Ten_equal_recordings_do_not_grow_the_buffer()
    {
        var buffer = new CaptureBuffer(16000 * 600);
        var block = new float[320];
        var capacities = new List<int>();
        for (int take = 0; take < 10; take++)
        {
            for (int i = 0; i < 50 * 40; i++) // 40 s, beyond the initial 30 s allocation
                buffer.Write(block);
            capacities.Add(buffer.Capacity);
            Assert.Equal(16000 * 40, buffer.TakeAndReset().Length);
        }
        Assert.All(capacities, c => Assert.Equal(capacities[0], c));
    }

    [Fact]
    public void Recording_is_bounded_and_drops_are_counted()
    {
        var buffer = new CaptureBuffer(1000);
        buffer.Write(new float[600]);
        buffer.Write(new float[600]);
        Assert.Equal(1000, buffer.Count);
        Assert.Equal(200, buffer.DroppedSamples);
        Assert.Equal(1000, buffer.Capacity);
        Assert.Equal(1000, buffer.TakeAndReset().Length);
        Assert.Equal(0, buffer.DroppedSamples);
    }
}
