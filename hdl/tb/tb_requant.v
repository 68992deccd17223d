// Testbench for requant.v. Reads "acc m0 k" lines (decimal) from +vectors=<file>, pushes one per
// cycle through the two-stage pipeline and writes each y (raw OUT_BITS bits, decimal) to
// +out=<file>, one per line, in order. The xunit test compares them with RequantMath.Apply.
module tb_requant;
    parameter integer ACC_BITS = 20;
    parameter integer MB = 16;
    parameter integer OUT_BITS = 8;
    parameter signed [63:0] LO = 64'sd0;
    parameter signed [63:0] HI = 64'sd255;

    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;

    reg                       in_valid = 1'b0;
    reg signed [ACC_BITS-1:0] acc = 0;
    reg        [MB-1:0]       m0 = 0;
    reg        [5:0]          k = 6'd1;
    wire                      out_valid;
    wire       [OUT_BITS-1:0] y;

    requant #(.ACC_BITS(ACC_BITS), .MB(MB), .OUT_BITS(OUT_BITS), .LO(LO), .HI(HI)) dut (
        .clk(clk), .rst(rst), .in_valid(in_valid), .acc(acc), .m0(m0), .k(k),
        .out_valid(out_valid), .y(y));

    reg [8*1024-1:0] vec_name;
    reg [8*1024-1:0] out_name;
    integer fin, fout, n;
    reg signed [63:0] a;
    reg        [63:0] m;
    integer           kk;

    always @(posedge clk) if (out_valid) $fdisplay(fout, "%0d", y);

    initial begin
        if (!$value$plusargs("vectors=%s", vec_name) || !$value$plusargs("out=%s", out_name)) begin
            $display("FATAL: tb_requant needs +vectors=<file> +out=<file>");
            $finish;
        end
        fin = $fopen(vec_name, "r");
        fout = $fopen(out_name, "w");
        if (fin == 0 || fout == 0) begin
            $display("FATAL: cannot open vector or output file");
            $finish;
        end
        repeat (2) @(posedge clk);
        rst <= 1'b0;
        while (!$feof(fin)) begin
            n = $fscanf(fin, "%d %d %d\n", a, m, kk);
            if (n == 3) begin
                @(posedge clk);
                in_valid <= 1'b1;
                acc <= a[ACC_BITS-1:0];
                m0 <= m[MB-1:0];
                k <= kk[5:0];
            end
        end
        @(posedge clk);
        in_valid <= 1'b0;
        repeat (4) @(posedge clk);
        $fclose(fout);
        $finish;
    end
endmodule
