using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;

namespace QuantHdl.Tests.Golden;

/// <summary>The §7 window order and §8 pooling, against small cases worked by hand.</summary>
public class WindowAndPoolKernelTests
{
    [Fact]
    public void WindowsOfAThreeByThreeFrameAreListedInKyKxOrder()
    {
        // 1 2 3 / 4 5 6 / 7 8 9, K = 2, S = 1, P = 0: four windows, each (0,0) (0,1) (1,0) (1,1).
        long[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        Assert.Equal([1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9], SlidingWindow.Im2Col(x, 3, 3, 1, 2, 1, 0, 0));
    }

    [Fact]
    public void PaddingUsesThePadValueAndStrideSkipsWindows()
    {
        // Same frame, K = 3, S = 2, P = 1, pad value 0: outputs at (0,0), (0,2), (2,0), (2,2) of the padded grid.
        long[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var cols = SlidingWindow.Im2Col(x, 3, 3, 1, 3, 2, 1, 0);
        Assert.Equal(4 * 9, cols.Length);
        Assert.Equal([0, 0, 0, 0, 1, 2, 0, 4, 5], cols[..9]);
        Assert.Equal([0, 0, 0, 2, 3, 0, 5, 6, 0], cols[9..18]);
        Assert.Equal([0, 4, 5, 0, 7, 8, 0, 0, 0], cols[18..27]);
        Assert.Equal([5, 6, 0, 8, 9, 0, 0, 0, 0], cols[27..]);
    }

    [Fact]
    public void ChannelsAreFastestInsideAWindow()
    {
        // 2 x 2 frame of 2 channels (a, b) per pixel: one 2 x 2 window lists a00 b00 a01 b01 a10 b10 a11 b11.
        long[] x = [10, 11, 20, 21, 30, 31, 40, 41];
        Assert.Equal(x, SlidingWindow.Im2Col(x, 2, 2, 2, 2, 1, 0, 7));
        // With P = 1 the first window starts at (-1, -1), outside the frame: its first element is the pad value.
        Assert.Equal(7, SlidingWindow.Im2Col(x, 2, 2, 2, 2, 1, 1, 7)[0]);
    }

    [Theory]
    [InlineData(28, 5, 1, 0, 24)]
    [InlineData(28, 3, 2, 1, 14)]
    [InlineData(7, 3, 2, 1, 4)]
    [InlineData(5, 5, 1, 0, 1)]
    public void OutSizeIsTheFloorFormula(int n, int k, int s, int p, int expected) => Assert.Equal(expected, SlidingWindow.OutSize(n, k, s, p));

    [Fact]
    public void AKernelBeyondThePaddedInputIsRejected() =>
        Assert.Throws<ArgumentException>(() => SlidingWindow.OutSize(3, 6, 1, 1));

    [Fact]
    public void MaxPoolTakesTheLargestCodePerChannelAndDropsTheRemainder()
    {
        // 3 x 3 frame, 2 channels, K = 2: one window over rows/cols 0..1; row 2 and column 2 are dropped.
        long[] x = [1, 9, 5, 0, 99, 99, 3, 2, 4, 8, 99, 99, 99, 99, 99, 99, 99, 99];
        Assert.Equal([5, 9], MaxPoolKernel.MaxPool(x, 3, 3, 2, 2));
    }

    [Fact]
    public void WindowSumAndAveragePoolRequantize()
    {
        // 2 x 4 frame, 1 channel, K = 2: windows {1,2,5,6} = 14 and {3,4,7,8} = 22.
        long[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        Assert.Equal([14, 22], AvgPoolKernel.WindowSum(x, 2, 4, 1, 2, 2));
        // Average: M0 / 2^k = 1/4 exactly (M0 = 1, k = 2): round half up 3.5 -> 4, 5.5 -> 6.
        Assert.Equal([4, 6], AvgPoolKernel.AvgPool(x, 2, 4, 1, 2, 2, 1, 2, 0, 15));
        // Global: the whole 2 x 4 frame is one window, 36; clamped to hi = 3 after /8 = 4.5 -> 5.
        Assert.Equal([36], AvgPoolKernel.WindowSum(x, 2, 4, 1, 2, 4));
        Assert.Equal([3], AvgPoolKernel.AvgPool(x, 2, 4, 1, 2, 4, 1, 3, 0, 3));
    }
}
