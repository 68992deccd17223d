// POT term, docs/integer-semantics.md §3. A code is sign s (MSB) and index e (low W_BITS-1 bits);
// e = 0 is zero, otherwise j = e - 1 and |t| = x << (J - j), J = 2^(W_BITS-1) - 2.
// The sign is not applied here: neg tells the adder tree to subtract the magnitude.
// Mirrors QuantHdl.Ir.WeightArithmetic.Term for WeightCode.Pot.
module pot_term #(
    parameter integer A_BITS = 8,
    parameter integer W_BITS = 4
) (
    input  wire [A_BITS-1:0]                    x,
    input  wire [W_BITS-1:0]                    code,
    output wire [A_BITS+(2**(W_BITS-1))-2-1:0] mag,
    output wire                                 neg
);
    localparam integer J = (2 ** (W_BITS - 1)) - 2;
    localparam integer MAG_BITS = A_BITS + J;

    wire [W_BITS-2:0] e = code[W_BITS-2:0];
    wire [W_BITS-2:0] shift = (W_BITS-1)'(J) - (e - 1'b1);

    assign mag = (e == 0) ? {MAG_BITS{1'b0}} : (MAG_BITS'(x) << shift);
    assign neg = code[W_BITS-1] & (e != 0);
endmodule
