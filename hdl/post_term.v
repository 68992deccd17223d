// POST term, docs/integer-semantics.md §3. A code is sign s (MSB) and index e (low W_BITS-1 bits);
// e = 0 is zero, otherwise j = e - 1 and
//   |t| = (j even ? x0 : x1) << (H - floor(j/2)),  J = 2^(W_BITS-1) - 2,  H = floor(J/2).
// The sign is not applied here: neg tells the adder tree to subtract the magnitude.
// Mirrors QuantHdl.Ir.WeightArithmetic.Term for WeightCode.Post.
module post_term #(
    parameter integer LW = 16,
    parameter integer W_BITS = 4
) (
    input  wire [LW-1:0]              x0,
    input  wire [LW-1:0]              x1,
    input  wire [W_BITS-1:0]          code,
    output wire [LW+((2**(W_BITS-1))-2)/2-1:0] mag,
    output wire                       neg
);
    localparam integer J = (2 ** (W_BITS - 1)) - 2;
    localparam integer H = J / 2;
    localparam integer MAG_BITS = LW + H;

    wire [W_BITS-2:0] e = code[W_BITS-2:0];
    wire [W_BITS-2:0] j = e - 1'b1;
    wire [LW-1:0]     lane = j[0] ? x1 : x0;
    wire [W_BITS-2:0] shift = (W_BITS-1)'(H) - (j >> 1);

    assign mag = (e == 0) ? {MAG_BITS{1'b0}} : (MAG_BITS'(lane) << shift);
    assign neg = code[W_BITS-1] & (e != 0);
endmodule
