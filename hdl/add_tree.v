// Balanced combinational adder tree of N signed W-bit leaves (leaf i at bits [i*W +: W]).
// The sum is modulo 2^W: the caller sizes W from the accumulator bound (docs/integer-semantics.md
// §5), so the true sum of every leaf set it is used for fits and wrap-around cannot lose anything.
module add_tree #(
    parameter integer N = 4,
    parameter integer W = 16
) (
    input  wire [N*W-1:0] leaves,
    output wire [W-1:0]   sum
);
    // Pad to a power of two; the padding leaves are constant zero and synthesize away.
    localparam integer NP = (N <= 1) ? 1 : (2 ** $clog2(N));

    reg [W-1:0] node [1:2*NP-1];
    integer i;

    // node[NP + i] is leaf i; node[i] = node[2i] + node[2i+1]; node[1] is the root.
    always @* begin
        for (i = 0; i < NP; i = i + 1)
            node[NP + i] = (i < N) ? leaves[i*W +: W] : {W{1'b0}};
        for (i = NP - 1; i >= 1; i = i - 1)
            node[i] = node[2*i] + node[2*i + 1];
    end

    assign sum = node[1];
endmodule
