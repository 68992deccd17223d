// Balanced combinational adder tree of N signed LW-bit leaves (leaf i at bits [i*LW +: LW]), with
// the result sign-extended to W bits. Each level is one bit wider than the one below, capped at W:
// level l holds min(LW + l, W) bits, so the early levels, where most of the adders are, are as
// narrow as their values.
//
// Exactness (docs/integer-semantics.md §5): below the cap a node's width is one more than its
// children's, so the sum of two sign-extended children never overflows and the node holds its exact
// value. At the cap the sums are modulo 2^W (and a leaf wider than W is cut to its low W bits). Taking
// the residue mod 2^W commutes with addition, so the root equals the true sum mod 2^W; the caller
// sizes W from the accumulator bound, so the true sum of every leaf set it is used for fits W signed
// bits and the root is exact.
module add_tree #(
    parameter integer N = 4,
    parameter integer LW = 16,
    parameter integer W = 16
) (
    // With LW > W the leaf MSBs above the cap are not needed (see above).
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [N*LW-1:0] leaves,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [W-1:0]    sum
);
    // Pad to a power of two; the padding leaves are constant zero and synthesize away.
    localparam integer L = (N <= 1) ? 0 : $clog2(N);
    localparam integer NP = 2 ** L;

    // Bits of a node at level l (leaves are level 0).
    function automatic integer width(input integer l);
        width = (LW + l < W) ? LW + l : W;
    endfunction

    localparam integer W0 = width(0);
    localparam integer WR = width(L);

    // g_level[l].node holds the NP >> l nodes of level l, node i at [i*width(l) +: width(l)].
    genvar l, i;
    generate
        for (l = 0; l <= L; l = l + 1) begin : g_level
            localparam integer WL = width(l);
            wire [(NP >> l)*WL-1:0] node;
            if (l == 0) begin : g_leaves
                for (i = 0; i < NP; i = i + 1) begin : g_leaf
                    if (i < N) begin : g_in
                        assign node[i*W0 +: W0] = leaves[i*LW +: W0];
                    end else begin : g_pad
                        assign node[i*W0 +: W0] = {W0{1'b0}};
                    end
                end
            end else begin : g_sums
                localparam integer WC = width(l - 1);
                for (i = 0; i < (NP >> l); i = i + 1) begin : g_node
                    wire [WC-1:0] a = g_level[l - 1].node[(2*i)*WC +: WC];
                    wire [WC-1:0] b = g_level[l - 1].node[(2*i + 1)*WC +: WC];
                    if (WL > WC) begin : g_grow
                        assign node[i*WL +: WL] = {a[WC-1], a} + {b[WC-1], b};
                    end else begin : g_cap
                        assign node[i*WL +: WL] = a + b;
                    end
                end
            end
        end
        if (WR < W) begin : g_ext
            assign sum = {{(W - WR){g_level[L].node[WR-1]}}, g_level[L].node};
        end else begin : g_root
            assign sum = g_level[L].node;
        end
    endgenerate
endmodule
