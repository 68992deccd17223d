// Count of set bits, zero-extended to W bits. In the MVU it is the carry count that completes
// the two's complement of every negative POT/POST term (-m = ~m + 1), so the sign of a term costs
// an XOR and a share of one extra adder-tree leaf instead of a negator per term.
module neg_count #(
    parameter integer N = 4,
    parameter integer W = 16
) (
    input  wire [N-1:0] bits,
    output wire [W-1:0] count
);
    localparam integer CW = $clog2(N + 1);

    reg [CW-1:0] c;
    integer i;

    always @* begin
        c = {CW{1'b0}};
        for (i = 0; i < N; i = i + 1)
            c = c + CW'(bits[i]);
    end

    assign count = W'(c);
endmodule
