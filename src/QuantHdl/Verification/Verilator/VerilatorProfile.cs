namespace QuantHdl.Verification.Verilator;

/// <summary>How <see cref="VerilatorBuild"/> trades compile time for simulation speed.</summary>
public enum VerilatorProfile
{
    /// <summary>
    /// <c>verilator -O2</c> and the C++ at Verilator's default optimization, with <c>--build</c>: for long
    /// runs such as the 200-sample verify of a real network.
    /// </summary>
    Optimized,

    /// <summary>
    /// The C++ at <c>-O0</c>, and Verilator's runtime library (verilated.cpp, verilated_threads.cpp)
    /// compiled once per cache folder and reused: for many small designs run briefly, as the fuzzer does.
    /// The simulated behaviour is the same; only the build is faster and the simulation slower.
    /// </summary>
    Quick,
}
