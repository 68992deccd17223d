// Testbench for the term blocks. For every activation x in 0..2^A_BITS-1 and every weight code
// 0..2^W_BITS-1 it writes "x code t" to +out=<file>: decimal, code as raw unsigned bits, t the
// signed term of WEIGHT_MODE 0 (uniform_term), 1 (pot_term) or 2 (post_lane + post_term). The
// xunit test compares every line with WeightArithmetic.Term. Combinational, so exhaustive.
module tb_terms;
    parameter integer A_BITS = 8;
    parameter integer W_BITS = 4;
    parameter integer WEIGHT_MODE = 2;
    parameter integer F = 8;
    parameter [(2**A_BITS)*(A_BITS+F)-1:0] SQRT_TABLE = {((2**A_BITS)*(A_BITS+F)){1'b0}};

    localparam integer LW = A_BITS + F;
    localparam integer J = (2 ** (W_BITS - 1)) - 2;

    reg  [A_BITS-1:0] x;
    reg  [W_BITS-1:0] code;
    reg  signed [127:0] t;

    wire [LW-1:0] x0;
    wire [LW-1:0] x1;
    wire [LW+J/2-1:0] post_mag;
    wire post_neg;
    wire [A_BITS+J-1:0] pot_mag;
    wire pot_neg;
    wire signed [A_BITS+W_BITS-1:0] uni_t;

    post_lane #(.A_BITS(A_BITS), .F(F), .SQRT_TABLE(SQRT_TABLE)) u_lane (.x(x), .x0(x0), .x1(x1));
    post_term #(.LW(LW), .W_BITS(W_BITS)) u_post (.x0(x0), .x1(x1), .code(code), .mag(post_mag), .neg(post_neg));
    pot_term #(.A_BITS(A_BITS), .W_BITS(W_BITS)) u_pot (.x(x), .code(code), .mag(pot_mag), .neg(pot_neg));
    uniform_term #(.A_BITS(A_BITS), .W_BITS(W_BITS)) u_uni (.x(x), .w(code), .t(uni_t));

    reg [8*1024-1:0] out_name;
    integer fout, xi, ci;

    initial begin
        if (!$value$plusargs("out=%s", out_name)) begin
            $display("FATAL: tb_terms needs +out=<file>");
            $finish;
        end
        fout = $fopen(out_name, "w");
        for (xi = 0; xi < 2 ** A_BITS; xi = xi + 1) begin
            for (ci = 0; ci < 2 ** W_BITS; ci = ci + 1) begin
                x = xi[A_BITS-1:0];
                code = ci[W_BITS-1:0];
                #1;
                if (WEIGHT_MODE == 2)      t = post_neg ? -$signed({1'b0, 127'(post_mag)}) : $signed({1'b0, 127'(post_mag)});
                else if (WEIGHT_MODE == 1) t = pot_neg ? -$signed({1'b0, 127'(pot_mag)}) : $signed({1'b0, 127'(pot_mag)});
                else                       t = 128'(uni_t);
                $fdisplay(fout, "%0d %0d %0d", xi, ci, t);
            end
        end
        $fclose(fout);
        $finish;
    end
endmodule
