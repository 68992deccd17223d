// Testbench for mvu.v with ROM models, random stalls and a deadlock timeout. Input beats are
// IN_LANES wide; with DWC = 1 (IN_LANES != SIMD) they go through axis_dwc.v, as in the generated
// wrapper. DWC and the derived parameters of mvu.v (W_ADDR_BITS .. CR_W) come from the same C#
// (MvuLayout.Hardware) as the wrapper's; the defaults are those of mvu.v.
// Plusargs:
//   +wrom=<hex file>   SF*NF weight words (§6 layout), one hex word per line ($readmemh)
//   +prom=<hex file>   NF parameter words {k, M0, B} per PE (see mvu.v), one per line
//   +xin=<hex file>    N_VEC*IN activations, one hex value per line, vector after vector
//   +out=<file>        one line per output beat: "tlast e0 e1 ... e(PE-1)" (raw bits, decimal)
//   +seed=<n> +pin=<percent> +pout=<percent>  random input-valid and output-ready stalls
// Input valid is held once raised until the beat is taken (AXI-Stream rule); ready may toggle.
module tb_mvu;
    parameter integer IN = 16;
    parameter integer OUT = 8;
    parameter integer SIMD = 4;
    parameter integer PE = 2;
    parameter integer IN_LANES = 4;
    parameter integer A_BITS = 8;
    parameter integer W_BITS = 4;
    parameter integer WEIGHT_MODE = 2;
    parameter integer SQRT_FRAC_BITS = 8;
    parameter [((WEIGHT_MODE == 2) ? (2**A_BITS)*(A_BITS+SQRT_FRAC_BITS) : 1)-1:0] SQRT_TABLE = {((WEIGHT_MODE == 2) ? (2**A_BITS)*(A_BITS+SQRT_FRAC_BITS) : 1){1'b0}};
    parameter integer ACC_BITS = 24;
    parameter integer MB = 16;
    parameter integer OUT_BITS = 8;
    parameter integer OUT_SIGNED = 0;
    parameter signed [63:0] LO = 64'sd0;
    parameter signed [63:0] HI = 64'sd255;
    parameter integer W_ADDR_BITS = 4;
    parameter integer P_ADDR_BITS = 2;
    parameter integer SF_W = 2;
    parameter integer NF_W = 2;
    parameter integer PE_W = 1;
    parameter integer PW = 46;
    parameter integer LEAVES = 5;
    parameter integer POST_LW = 16;
    parameter integer MAG_BITS = 19;
    parameter integer LEAF_W = 20;
    parameter integer RQ_SHARED = 1;
    parameter integer OF_DEPTH = 4;
    parameter integer CR_W = 3;
    parameter integer DWC = 0;
    parameter integer N_VEC = 4;
    parameter integer TIMEOUT = 100000;

    localparam integer SF = IN / SIMD;
    localparam integer NF = OUT / PE;
    localparam integer NBEATS = IN / IN_LANES;

    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;

    reg  [PE*SIMD*W_BITS-1:0] wrom [0:SF*NF-1];
    reg  [PE*PW-1:0]          prom [0:NF-1];
    reg  [A_BITS-1:0]         xin  [0:N_VEC*IN-1];

    reg                       s_valid = 1'b0;
    wire                      s_ready;
    reg  [IN_LANES*A_BITS-1:0] s_data = 0;
    reg                       s_last = 1'b0;
    wire                      m_valid;
    reg                       m_ready = 1'b0;
    wire [PE*OUT_BITS-1:0]    m_data;
    wire                      m_last;
    wire                      w_en;
    wire [W_ADDR_BITS-1:0]    w_addr;
    reg  [PE*SIMD*W_BITS-1:0] w_data;
    wire                      p_en;
    wire [P_ADDR_BITS-1:0]    p_addr;
    reg  [PE*PW-1:0]          p_data;

    wire                      c_valid;
    wire                      c_ready;
    wire [SIMD*A_BITS-1:0]    c_data;
    wire                      c_last;

    generate
        if (DWC != 0) begin : g_dwc
            axis_dwc #(.IN_LANES(IN_LANES), .OUT_LANES(SIMD), .ELEM_BITS(A_BITS), .VEC_LEN(IN)) u_dwc (
                .clk(clk), .rst(rst),
                .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tdata(s_data), .s_axis_tlast(s_last),
                .m_axis_tvalid(c_valid), .m_axis_tready(c_ready), .m_axis_tdata(c_data), .m_axis_tlast(c_last));
        end else begin : g_direct
            assign c_valid = s_valid;
            assign s_ready = c_ready;
            assign c_data  = s_data;
            assign c_last  = s_last;
        end
    endgenerate

    mvu #(.IN(IN), .OUT(OUT), .SIMD(SIMD), .PE(PE), .A_BITS(A_BITS), .W_BITS(W_BITS),
          .WEIGHT_MODE(WEIGHT_MODE), .SQRT_FRAC_BITS(SQRT_FRAC_BITS), .SQRT_TABLE(SQRT_TABLE),
          .ACC_BITS(ACC_BITS), .MB(MB), .OUT_BITS(OUT_BITS), .OUT_SIGNED(OUT_SIGNED), .LO(LO), .HI(HI),
          .W_ADDR_BITS(W_ADDR_BITS), .P_ADDR_BITS(P_ADDR_BITS), .SF_W(SF_W), .NF_W(NF_W), .PE_W(PE_W), .PW(PW),
          .LEAVES(LEAVES), .POST_LW(POST_LW), .MAG_BITS(MAG_BITS), .LEAF_W(LEAF_W), .RQ_SHARED(RQ_SHARED),
          .OF_DEPTH(OF_DEPTH), .CR_W(CR_W)) dut (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(c_valid), .s_axis_tready(c_ready), .s_axis_tdata(c_data), .s_axis_tlast(c_last),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data), .m_axis_tlast(m_last),
        .w_en(w_en), .w_addr(w_addr), .w_data(w_data), .p_en(p_en), .p_addr(p_addr), .p_data(p_data));

    always @(posedge clk) begin
        if (w_en) w_data <= wrom[w_addr];
        if (p_en) p_data <= prom[p_addr];
    end

    reg [8*1024-1:0] fname;
    integer fout, seed, pin, pout, cycle, sent, received, i, l;

    initial begin
        seed = 1; pin = 0; pout = 0;
        if (!$value$plusargs("wrom=%s", fname)) begin $display("FATAL: +wrom missing"); $finish; end
        $readmemh(fname, wrom);
        if (!$value$plusargs("prom=%s", fname)) begin $display("FATAL: +prom missing"); $finish; end
        $readmemh(fname, prom);
        if (!$value$plusargs("xin=%s", fname)) begin $display("FATAL: +xin missing"); $finish; end
        $readmemh(fname, xin);
        if (!$value$plusargs("out=%s", fname)) begin $display("FATAL: +out missing"); $finish; end
        fout = $fopen(fname, "w");
        if ($value$plusargs("seed=%d", seed)) ;
        if ($value$plusargs("pin=%d", pin)) ;
        if ($value$plusargs("pout=%d", pout)) ;
    end

    // Stimulus and checker, all on the clock edge with nonblocking updates (no races).
    always @(posedge clk) begin
        if (rst) begin
            cycle = 0; sent = 0; received = 0;
        end else begin
            cycle = cycle + 1;
            if (cycle > TIMEOUT) begin
                $display("TIMEOUT: sent %0d beats, received %0d beats", sent, received);
                $fclose(fout);
                $finish;
            end
            if (!s_valid || s_ready) begin
                if (s_valid) sent = sent + 1;
                if (sent < N_VEC * NBEATS && ($unsigned($random(seed)) % 100) >= pin) begin
                    for (l = 0; l < IN_LANES; l = l + 1)
                        s_data[l*A_BITS +: A_BITS] <= xin[sent*IN_LANES + l];
                    s_last  <= (sent % NBEATS) == NBEATS - 1;
                    s_valid <= 1'b1;
                end else begin
                    s_valid <= 1'b0;
                end
            end
            if (m_valid && m_ready) begin
                $fwrite(fout, "%0d", m_last);
                for (i = 0; i < PE; i = i + 1) $fwrite(fout, " %0d", m_data[i*OUT_BITS +: OUT_BITS]);
                $fwrite(fout, "\n");
                received = received + 1;
                if (received == N_VEC * NF) begin
                    $fclose(fout);
                    $finish;
                end
            end
            m_ready <= ($unsigned($random(seed)) % 100) >= pout;
        end
    end

    initial begin
        repeat (3) @(posedge clk);
        rst <= 1'b0;
    end
endmodule
