// The multiply-accumulate array of a matrix-vector unit (hdl/mvu.v), docs/integer-semantics.md §3 and §5:
// SIMD input lanes times PE output rows of terms, and one adder tree per row.
//
// x is the SIMD-wide activation word and w the PE*SIMD weight codes of one compute cycle, both
// registered by the caller in the same cycle (mvu.v stages 1 and 2). The lanes register x once more
// (stage 2, so they line up with w); terms and trees are combinational, and psum is the PE partial
// sums of the cycle, psum[p*ACC_BITS +: ACC_BITS] for row p, for the caller to register.
//
// Terms (§3): WEIGHT_MODE 0 uniform (real multiplier), 1 POT (shift), 2 POST (x and x/sqrt2 per
// SIMD lane, computed once and shared by all PE rows, then select and shift). POT and POST terms
// are magnitudes m with a sign; a negative term enters the adder tree as ~m = -m - 1 (an XOR) and
// the count of negative terms is one more leaf, which completes each -m = ~m + 1. The widths are
// those of mvu.v (computed in C#, Hardware/MvuHardware.cs) and the exactness argument is add_tree.v's.
//
// It is its own module so that `quanthdl study multipliers` synthesizes exactly this datapath.
module mac_array #(
    parameter integer SIMD = 4,
    parameter integer PE = 2,
    parameter integer A_BITS = 8,
    parameter integer W_BITS = 4,
    parameter integer WEIGHT_MODE = 2,
    parameter integer SQRT_FRAC_BITS = 8,
    parameter [((WEIGHT_MODE == 2) ? (2**A_BITS)*(A_BITS+SQRT_FRAC_BITS) : 1)-1:0] SQRT_TABLE = {((WEIGHT_MODE == 2) ? (2**A_BITS)*(A_BITS+SQRT_FRAC_BITS) : 1){1'b0}},
    parameter integer ACC_BITS = 24,
    parameter integer LEAVES = 5,
    parameter integer POST_LW = 16,
    parameter integer MAG_BITS = 19,
    parameter integer LEAF_W = 20
) (
    input  wire                      clk,
    input  wire [SIMD*A_BITS-1:0]    x,
    input  wire [PE*SIMD*W_BITS-1:0] w,
    output wire [PE*ACC_BITS-1:0]    psum
);
    localparam integer SLICE_BITS = SIMD * A_BITS;

    wire [PE*LEAVES*LEAF_W-1:0] leaves;

    genvar s, p;
    generate
        if (WEIGHT_MODE == 2) begin : g_post
            localparam integer LW = POST_LW;
            wire [SIMD*LW-1:0] lane0_w;
            wire [SIMD*LW-1:0] lane1_w;
            reg  [SIMD*LW-1:0] lane0;
            reg  [SIMD*LW-1:0] lane1;
            for (s = 0; s < SIMD; s = s + 1) begin : g_lane
                post_lane #(.A_BITS(A_BITS), .F(SQRT_FRAC_BITS), .SQRT_TABLE(SQRT_TABLE)) u_lane (
                    .x(x[s*A_BITS +: A_BITS]), .x0(lane0_w[s*LW +: LW]), .x1(lane1_w[s*LW +: LW]));
            end
            always @(posedge clk) begin
                lane0 <= lane0_w;
                lane1 <= lane1_w;
            end
            for (p = 0; p < PE; p = p + 1) begin : g_pe
                wire [SIMD-1:0] neg;
                for (s = 0; s < SIMD; s = s + 1) begin : g_term
                    wire [MAG_BITS-1:0] mag;
                    post_term #(.LW(LW), .W_BITS(W_BITS)) u_term (
                        .x0(lane0[s*LW +: LW]), .x1(lane1[s*LW +: LW]),
                        .code(w[(p*SIMD + s)*W_BITS +: W_BITS]), .mag(mag), .neg(neg[s]));
                    assign leaves[(p*LEAVES + s)*LEAF_W +: LEAF_W] = {{(LEAF_W - MAG_BITS){neg[s]}}, mag ^ {MAG_BITS{neg[s]}}};
                end
                neg_count #(.N(SIMD), .W(LEAF_W)) u_count (
                    .bits(neg), .count(leaves[(p*LEAVES + SIMD)*LEAF_W +: LEAF_W]));
            end
        end else if (WEIGHT_MODE == 1) begin : g_pot
            reg [SLICE_BITS-1:0] xl;
            always @(posedge clk) xl <= x;
            for (p = 0; p < PE; p = p + 1) begin : g_pe
                wire [SIMD-1:0] neg;
                for (s = 0; s < SIMD; s = s + 1) begin : g_term
                    wire [MAG_BITS-1:0] mag;
                    pot_term #(.A_BITS(A_BITS), .W_BITS(W_BITS)) u_term (
                        .x(xl[s*A_BITS +: A_BITS]), .code(w[(p*SIMD + s)*W_BITS +: W_BITS]),
                        .mag(mag), .neg(neg[s]));
                    assign leaves[(p*LEAVES + s)*LEAF_W +: LEAF_W] = {{(LEAF_W - MAG_BITS){neg[s]}}, mag ^ {MAG_BITS{neg[s]}}};
                end
                neg_count #(.N(SIMD), .W(LEAF_W)) u_count (
                    .bits(neg), .count(leaves[(p*LEAVES + SIMD)*LEAF_W +: LEAF_W]));
            end
        end else begin : g_uniform
            reg [SLICE_BITS-1:0] xl;
            always @(posedge clk) xl <= x;
            for (p = 0; p < PE; p = p + 1) begin : g_pe
                for (s = 0; s < SIMD; s = s + 1) begin : g_term
                    wire signed [A_BITS+W_BITS-1:0] t;
                    uniform_term #(.A_BITS(A_BITS), .W_BITS(W_BITS)) u_term (
                        .x(xl[s*A_BITS +: A_BITS]), .w(w[(p*SIMD + s)*W_BITS +: W_BITS]), .t(t));
                    assign leaves[(p*LEAVES + s)*LEAF_W +: LEAF_W] = t;
                end
            end
        end

        for (p = 0; p < PE; p = p + 1) begin : g_tree
            add_tree #(.N(LEAVES), .LW(LEAF_W), .W(ACC_BITS)) u_tree (
                .leaves(leaves[p*LEAVES*LEAF_W +: LEAVES*LEAF_W]), .sum(psum[p*ACC_BITS +: ACC_BITS]));
        end
    endgenerate
endmodule
