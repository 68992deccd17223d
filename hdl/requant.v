// Requantize-and-clamp unit, docs/integer-semantics.md §2 and §4:
//   y = clamp((acc * M0 + 2^(k-1)) >>> k, LO, HI),  1 <= k <= 62, M0 unsigned below 2^MB.
// Mirrors QuantHdl.Ir.RequantMath.Apply. The product and the rounding constant are computed in
// P = ACC_BITS + MB + 1 signed bits (§5); when k >= P the rounded shift is exactly 0, because
// |acc * M0| < 2^(P-2) <= 2^(k-1). Two pipeline stages: product, then round/shift/clamp.
module requant #(
    parameter integer ACC_BITS = 20,
    parameter integer MB = 16,
    parameter integer OUT_BITS = 8,
    parameter signed [63:0] LO = 64'sd0,
    parameter signed [63:0] HI = 64'sd255
) (
    input  wire                       clk,
    input  wire                       rst,
    input  wire                       in_valid,
    input  wire signed [ACC_BITS-1:0] acc,
    input  wire        [MB-1:0]       m0,
    input  wire        [5:0]          k,
    output reg                        out_valid,
    output reg         [OUT_BITS-1:0] y
);
    localparam integer P = ACC_BITS + MB + 1;

    // Stage 1: the exact signed product.
    reg                 prod_valid;
    reg signed [P-1:0]  prod;
    reg        [5:0]    prod_k;
    wire signed [P-1:0] acc_p = P'(acc);
    wire signed [P-1:0] m0_p  = $signed(P'(m0));

    always @(posedge clk) begin
        prod   <= acc_p * m0_p;
        prod_k <= k;
        if (rst) prod_valid <= 1'b0;
        else     prod_valid <= in_valid;
    end

    // Stage 2: round half up, arithmetic shift, saturate.
    wire        [P-1:0]  half    = {{(P-1){1'b0}}, 1'b1} << (prod_k - 6'd1);
    wire signed [P-1:0]  rounded = prod + $signed(half);
    wire signed [P-1:0]  shifted = (32'(prod_k) >= P) ? $signed({P{1'b0}}) : (rounded >>> prod_k);
    wire signed [63:0]   wide    = 64'(shifted);
    // Only the low OUT_BITS of the clamped value are kept; LO..HI fits OUT_BITS.
    /* verilator lint_off UNUSEDSIGNAL */
    wire signed [63:0]   clamped = (wide < LO) ? LO : ((wide > HI) ? HI : wide);
    /* verilator lint_on UNUSEDSIGNAL */

    always @(posedge clk) begin
        y <= OUT_BITS'(clamped);
        if (rst) out_valid <= 1'b0;
        else     out_valid <= prod_valid;
    end
endmodule
