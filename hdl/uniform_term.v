// Uniform term, docs/integer-semantics.md §3: t = w * x with a signed W_BITS weight and an
// unsigned A_BITS activation. A real multiplier (LUTs or a DSP). The product needs
// W_BITS + A_BITS signed bits. Mirrors QuantHdl.Ir.WeightArithmetic.Term for WeightCode.Uniform.
module uniform_term #(
    parameter integer A_BITS = 8,
    parameter integer W_BITS = 8
) (
    input  wire        [A_BITS-1:0]        x,
    input  wire signed [W_BITS-1:0]        w,
    output wire signed [A_BITS+W_BITS-1:0] t
);
    localparam integer T_BITS = A_BITS + W_BITS;

    wire signed [T_BITS-1:0] xs = $signed(T_BITS'(x));
    wire signed [T_BITS-1:0] ws = T_BITS'(w);

    assign t = xs * ws;
endmodule
