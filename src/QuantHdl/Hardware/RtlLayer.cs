namespace QuantHdl.Hardware;

/// <summary>
/// The hardware decisions of one layer of the emitted design, as design.json lists them: node
/// <paramref name="Node"/> is built on a matrix-vector unit (a dense layer or a conv) with <paramref name="Mvu"/>.
/// </summary>
public sealed record RtlLayer(string Node, MvuHardware Mvu);
