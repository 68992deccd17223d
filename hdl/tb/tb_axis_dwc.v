// Testbench for axis_dwc.v with random stalls, an AXI-Stream hold check and a deadlock timeout.
// Plusargs:
//   +xin=<hex file>    N_VEC*VEC_LEN elements, one hex value per line, vector after vector
//   +out=<file>        one line per output beat: "tlast e0 e1 ... e(OUT_LANES-1)" (decimal)
//   +seed=<n> +pin=<percent> +pout=<percent>  random input-valid and output-ready stalls
// Prints "CYCLES <n>": cycles from reset release to the last output beat.
// Input valid is held once raised until the beat is taken (AXI-Stream rule); ready may toggle.
// An output beat that is valid but not taken must still be valid, with the same data and tlast,
// in the next cycle; otherwise the bench prints FATAL.
module tb_axis_dwc;
    parameter integer IN_LANES = 2;
    parameter integer OUT_LANES = 4;
    parameter integer ELEM_BITS = 8;
    parameter integer VEC_LEN = 8;
    parameter integer N_VEC = 4;
    parameter integer TIMEOUT = 100000;

    localparam integer NBEATS = VEC_LEN / IN_LANES;

    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;

    reg  [ELEM_BITS-1:0]           xin [0:N_VEC*VEC_LEN-1];
    reg                            s_valid = 1'b0;
    wire                           s_ready;
    reg  [IN_LANES*ELEM_BITS-1:0]  s_data = 0;
    reg                            s_last = 1'b0;
    wire                           m_valid;
    reg                            m_ready = 1'b0;
    wire [OUT_LANES*ELEM_BITS-1:0] m_data;
    wire                           m_last;

    axis_dwc #(.IN_LANES(IN_LANES), .OUT_LANES(OUT_LANES), .ELEM_BITS(ELEM_BITS), .VEC_LEN(VEC_LEN)) dut (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tdata(s_data), .s_axis_tlast(s_last),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data), .m_axis_tlast(m_last));

    reg [8*1024-1:0] fname;
    integer fout, seed, pin, pout, cycle, sent, received, i, l;
    reg                            held = 1'b0;
    reg [OUT_LANES*ELEM_BITS-1:0]  held_data;
    reg                            held_last;

    initial begin
        seed = 1; pin = 0; pout = 0;
        if (!$value$plusargs("xin=%s", fname)) begin $display("FATAL: +xin missing"); $finish; end
        $readmemh(fname, xin);
        if (!$value$plusargs("out=%s", fname)) begin $display("FATAL: +out missing"); $finish; end
        fout = $fopen(fname, "w");
        if ($value$plusargs("seed=%d", seed)) ;
        if ($value$plusargs("pin=%d", pin)) ;
        if ($value$plusargs("pout=%d", pout)) ;
    end

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
            if (held && (!m_valid || m_data !== held_data || m_last !== held_last)) begin
                $display("FATAL: output beat %0d changed while stalled", received);
                $fclose(fout);
                $finish;
            end
            held      = m_valid && !m_ready;
            held_data = m_data;
            held_last = m_last;
            if (!s_valid || s_ready) begin
                if (s_valid) sent = sent + 1;
                if (sent < N_VEC * NBEATS && ($unsigned($random(seed)) % 100) >= pin) begin
                    for (l = 0; l < IN_LANES; l = l + 1)
                        s_data[l*ELEM_BITS +: ELEM_BITS] <= xin[sent*IN_LANES + l];
                    s_last  <= (sent % NBEATS) == NBEATS - 1;
                    s_valid <= 1'b1;
                end else begin
                    s_valid <= 1'b0;
                end
            end
            if (m_valid && m_ready) begin
                $fwrite(fout, "%0d", m_last);
                for (i = 0; i < OUT_LANES; i = i + 1) $fwrite(fout, " %0d", m_data[i*ELEM_BITS +: ELEM_BITS]);
                $fwrite(fout, "\n");
                received = received + 1;
                if (received == N_VEC * VEC_LEN / OUT_LANES) begin
                    $display("CYCLES %0d", cycle);
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
