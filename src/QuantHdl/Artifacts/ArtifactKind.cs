namespace QuantHdl.Artifacts;

/// <summary>What a directory written by QuantHdl holds; recorded in its <see cref="ArtifactMarker"/>.</summary>
public enum ArtifactKind
{
    /// <summary>A float checkpoint from <c>quanthdl train</c> ("checkpoint-fp").</summary>
    CheckpointFloat,

    /// <summary>A QAT checkpoint from <c>quanthdl qat</c> ("checkpoint-qat").</summary>
    CheckpointQat,

    /// <summary>A build directory from <c>quanthdl compile</c> ("build").</summary>
    Build,

    /// <summary>The folder of <c>quanthdl demo</c>, holding fp/, qat/ and build/ ("demo").</summary>
    Demo,

    /// <summary>The folder of <c>quanthdl study multipliers</c>, holding multipliers.json and multipliers.md ("study").</summary>
    Study,
}
