namespace QuantHdl.Verification.Verilator;

/// <summary>
/// The inputs the harness gave one stall shim (hdl/axis_stall.v) for a run: edge <paramref name="Edge"/>
/// carries tap <paramref name="Tap"/> into the next layer; it starts a stall with probability
/// <paramref name="Enter"/>/256 per cycle and ends one with probability (<paramref name="Leave"/>+1)/256.
/// <paramref name="Enter"/> = 0 means the edge never stalls.
/// </summary>
public sealed record InnerStall(int Edge, int Tap, uint Seed, int Enter, int Leave);
