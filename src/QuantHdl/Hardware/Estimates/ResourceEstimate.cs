namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The estimated cost and timing of one node (docs/estimation.md): slice LUTs (logic and LUTRAM), flip-flops, DSP
/// blocks, block RAMs in RAMB18 units (SB_RAM40_4K on iCE40), cycles per frame (the cycle model) and latency in
/// cycles from a frame's first input beat to its last output beat.
/// </summary>
public sealed record ResourceEstimate(long Lut, long Ff, long Dsp, long Bram, long Cycles, long Latency)
{
    /// <summary>Nothing: the cost of a node with no hardware of its own.</summary>
    public static ResourceEstimate Zero { get; } = new(0, 0, 0, 0, 0, 0);
}

/// <summary>The estimate of every node of a graph, and the whole design's totals.</summary>
/// <param name="Family">The family the cost table was that of.</param>
/// <param name="Nodes">Per node, graph order.</param>
/// <param name="Lut">Total LUTs.</param>
/// <param name="Ff">Total flip-flops.</param>
/// <param name="Dsp">Total DSP blocks.</param>
/// <param name="Bram">Total block RAMs.</param>
/// <param name="InitiationInterval">Cycles per frame of the slowest node, which sets the pipeline's rate.</param>
/// <param name="Bottleneck">That node.</param>
/// <param name="Latency">Cycles from a frame's first input beat to its last output beat through the whole pipeline.</param>
public sealed record GraphEstimate(
    FpgaFamily Family,
    IReadOnlyList<(string Node, ResourceEstimate Estimate)> Nodes,
    long Lut,
    long Ff,
    long Dsp,
    long Bram,
    long InitiationInterval,
    string Bottleneck,
    long Latency)
{
    /// <summary>Frames per second at <paramref name="fmaxMhz"/>: one frame per initiation interval.</summary>
    public double FramesPerSecond(double fmaxMhz) => fmaxMhz * 1e6 / InitiationInterval;

    /// <summary>The pipeline latency in microseconds at <paramref name="fmaxMhz"/>.</summary>
    public double LatencyMicroseconds(double fmaxMhz) => Latency / fmaxMhz;
}
