// Testbench for residual_add.v: two sources stream N_BEATS beats of LANES elements each (+ain, +bin:
// one hex value per line, raw bits, in stream order; tlast on the last beat of every FRAME_BEATS of a,
// and on beats of b one cycle out of phase, which the unit must ignore); every output beat is written
// to +out as "tlast y0 y1 ..." (raw bits, decimal). ResidualBlockTests compares them with
// AddMath.Apply.
// Stalls come in bursts: in a cycle where a side is not stalling, it starts a burst with probability
// +pa / +pb / +pout percent (source a, source b, sink), of 1 + (random mod +burst) cycles (default
// +burst=1). A source holds valid once raised until the beat is taken.
// For the first BLOCK cycles the sink holds ready low and both sources offer beats without stalls; the
// bench then prints "HELD <beats of a taken> <beats of b taken>". It prints "LATENCY <n>", the cycles
// from the first pair taken to the first beat emitted, and "CYCLES <n>" after the last beat; "FATAL: ..."
// on an output beat that changes while held, on a beat beyond N_BEATS, or on an a/b handshake mismatch;
// "TIMEOUT: ..." on a deadlock.
module tb_residual_add;
    parameter integer LANES = 1;
    parameter integer A_BITS = 8;
    parameter integer A_SIGNED = 1;
    parameter integer B_BITS = 8;
    parameter integer B_SIGNED = 0;
    parameter integer MULT_BITS = 16;
    parameter [63:0] M_A = 64'd32768;
    parameter [63:0] M_B = 64'd32768;
    parameter integer SHIFT = 16;
    parameter integer SUM_BITS = 25;
    parameter integer OUT_BITS = 8;
    parameter signed [63:0] LO = 64'sd0;
    parameter signed [63:0] HI = 64'sd255;
    parameter integer N_BEATS = 64;
    parameter integer FRAME_BEATS = 8;
    parameter integer BLOCK = 0;
    parameter integer TIMEOUT = 200000;

    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;

    reg  [A_BITS-1:0] ain [0:N_BEATS*LANES-1];
    reg  [B_BITS-1:0] bin [0:N_BEATS*LANES-1];

    reg                       a_valid = 1'b0, b_valid = 1'b0, a_last = 1'b0, b_last = 1'b0;
    wire                      a_ready, b_ready;
    reg  [LANES*A_BITS-1:0]   a_data = 0;
    reg  [LANES*B_BITS-1:0]   b_data = 0;
    wire                      m_valid, m_last;
    reg                       m_ready = 1'b0;
    wire [LANES*OUT_BITS-1:0] m_data;

    residual_add #(
        .LANES(LANES), .A_BITS(A_BITS), .A_SIGNED(A_SIGNED), .B_BITS(B_BITS), .B_SIGNED(B_SIGNED),
        .MULT_BITS(MULT_BITS), .M_A(M_A), .M_B(M_B), .SHIFT(SHIFT), .SUM_BITS(SUM_BITS),
        .OUT_BITS(OUT_BITS), .LO(LO), .HI(HI)) dut (
        .clk(clk), .rst(rst),
        .s_a_axis_tvalid(a_valid), .s_a_axis_tready(a_ready), .s_a_axis_tdata(a_data), .s_a_axis_tlast(a_last),
        .s_b_axis_tvalid(b_valid), .s_b_axis_tready(b_ready), .s_b_axis_tdata(b_data), .s_b_axis_tlast(b_last),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data), .m_axis_tlast(m_last));

    reg [8*1024-1:0] fname;
    integer fout, seed, pa, pb, pout, burst, cycle, sent_a, sent_b, received, i, drain;
    integer left_a, left_b, left_out, first_take, latency;
    reg                       held = 1'b0;
    reg [LANES*OUT_BITS-1:0]  held_data;
    reg                       held_last;

    // One stall decision: 1 when the side moves this cycle.
    task automatic go(inout integer left, input integer percent, output reg moves);
        begin
            if (left > 0) begin
                left = left - 1;
                moves = 1'b0;
            end else if (($unsigned($random(seed)) % 100) < percent) begin
                left = $unsigned($random(seed)) % burst;
                moves = 1'b0;
            end else begin
                moves = 1'b1;
            end
        end
    endtask

    task automatic stop;
        begin
            $fclose(fout);
            $finish;
        end
    endtask

    initial begin
        seed = 1; pa = 0; pb = 0; pout = 0; burst = 1;
        if (!$value$plusargs("ain=%s", fname)) begin $display("FATAL: missing +ain"); $finish; end
        $readmemh(fname, ain);
        if (!$value$plusargs("bin=%s", fname)) begin $display("FATAL: missing +bin"); $finish; end
        $readmemh(fname, bin);
        if (!$value$plusargs("out=%s", fname)) begin $display("FATAL: missing +out"); $finish; end
        fout = $fopen(fname, "w");
        if ($value$plusargs("seed=%d", seed)) ;
        if ($value$plusargs("pa=%d", pa)) ;
        if ($value$plusargs("pb=%d", pb)) ;
        if ($value$plusargs("pout=%d", pout)) ;
        if ($value$plusargs("burst=%d", burst)) ;
    end

    reg mv;
    always @(posedge clk) begin
        if (rst) begin
            cycle = 0; sent_a = 0; sent_b = 0; received = 0; drain = -1;
            left_a = 0; left_b = 0; left_out = 0; first_take = -1; latency = -1;
        end else begin
            cycle = cycle + 1;
            if (cycle == BLOCK && BLOCK > 0) $display("HELD %0d %0d", sent_a + (a_valid && a_ready), sent_b + (b_valid && b_ready));
            if (drain >= 0) begin
                if (m_valid) begin
                    $display("FATAL: output beat %0d after the last expected one", received);
                    stop;
                end
                drain = drain + 1;
                if (drain == 32) stop;
            end else if (cycle > TIMEOUT) begin
                $display("TIMEOUT: sent %0d/%0d beats, received %0d", sent_a, sent_b, received);
                stop;
            end
            if ((a_valid && a_ready) !== (b_valid && b_ready)) begin
                $display("FATAL: cycle %0d: a handshake %0d, b handshake %0d", cycle, a_valid && a_ready, b_valid && b_ready);
                stop;
            end
            if (held && (!m_valid || m_data !== held_data || m_last !== held_last)) begin
                $display("FATAL: output beat %0d changed while stalled", received);
                stop;
            end
            held      = m_valid && !m_ready;
            held_data = m_data;
            held_last = m_last;
            if (a_valid && a_ready && first_take < 0) first_take = cycle;

            if (m_valid && m_ready) begin
                if (latency < 0) begin
                    latency = cycle - first_take;
                    $display("LATENCY %0d", latency);
                end
                $fwrite(fout, "%0d", m_last);
                for (i = 0; i < LANES; i = i + 1) $fwrite(fout, " %0d", m_data[i*OUT_BITS +: OUT_BITS]);
                $fwrite(fout, "\n");
                received = received + 1;
                if (received == N_BEATS) begin
                    $display("CYCLES %0d", cycle);
                    drain = 0;
                end
            end

            if (!a_valid || a_ready) begin
                if (a_valid) sent_a = sent_a + 1;
                mv = 1'b1;
                if (cycle > BLOCK) go(left_a, pa, mv);
                if (sent_a < N_BEATS && mv) begin
                    for (i = 0; i < LANES; i = i + 1) a_data[i*A_BITS +: A_BITS] <= ain[sent_a*LANES + i];
                    a_last  <= (sent_a % FRAME_BEATS) == FRAME_BEATS - 1;
                    a_valid <= 1'b1;
                end else a_valid <= 1'b0;
            end
            if (!b_valid || b_ready) begin
                if (b_valid) sent_b = sent_b + 1;
                mv = 1'b1;
                if (cycle > BLOCK) go(left_b, pb, mv);
                if (sent_b < N_BEATS && mv) begin
                    for (i = 0; i < LANES; i = i + 1) b_data[i*B_BITS +: B_BITS] <= bin[sent_b*LANES + i];
                    b_last  <= (sent_b % FRAME_BEATS) == 0;
                    b_valid <= 1'b1;
                end else b_valid <= 1'b0;
            end
            mv = 1'b0;
            if (cycle >= BLOCK) go(left_out, pout, mv);
            m_ready <= drain >= 0 || mv;
        end
    end

    initial begin
        repeat (3) @(posedge clk);
        rst <= 1'b0;
    end
endmodule
