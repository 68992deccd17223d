namespace QuantHdl.Arithmetic;

/// <summary>How the hidden activations are quantized (docs/asq.md for ASQ).</summary>
public enum ActivationKind
{
    /// <summary>LSQ: one learnable step per tensor.</summary>
    Uniform,

    /// <summary>ASQ: the learnable step times a per-sample beta from a small adapter; deployed with beta folded to a calibrated constant.</summary>
    Asq,
}
