namespace QuantHdl.Hdl;

/// <summary>
/// What <see cref="RtlEmitter.Emit"/> wrote. Paths are relative to <see cref="OutDir"/>.
/// <see cref="Taps"/> lists every node's output stream in graph order; tap 0 is the input stream and the
/// last tap is the output stream.
/// </summary>
public sealed record RtlDesign(
    string OutDir,
    string Graph,
    string TopModule,
    IReadOnlyList<string> RtlFiles,
    IReadOnlyList<string> HarnessFiles,
    IReadOnlyList<RtlStream> Taps)
{
    /// <summary>The network input stream (s_axis).</summary>
    public RtlStream Input => Taps[0];

    /// <summary>The network output stream (m_axis).</summary>
    public RtlStream Output => Taps[^1];
}
