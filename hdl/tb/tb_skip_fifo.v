// Testbench for skip_fifo.v: a source streams N_BEATS beats of WIDTH bits (+xin: one hex value per
// line) with tlast on every FRAME_BEATS-th beat; every beat the sink takes is written to +out as
// "tlast data" (decimal). SkipFifoTests (ResidualBlockTests.cs) checks order, loss and duplication.
// Stalls come in bursts: in a cycle where a side is not stalling it starts a burst with probability
// +pin / +pout percent, of 1 + (random mod +burst) cycles (default +burst=1). The source holds valid
// once raised until the beat is taken.
// For the first BLOCK cycles the sink holds ready low and the source offers beats without stalls; the
// bench then prints "HELD <beats taken>". It prints "LATENCY <n>", the cycles from the first beat
// taken to the first beat emitted, "CYCLES <n>" after the last beat, and "FATAL: ..." on a held output
// beat that changes, on s_axis_tready low while fewer than DEPTH beats are held or high while DEPTH are
// held, on m_axis_tvalid low while a beat is held (distributed/registers) and on a beat beyond
// N_BEATS; "TIMEOUT: ..." on a deadlock.
module tb_skip_fifo;
    parameter integer WIDTH = 8;
    parameter integer DEPTH = 4;
    parameter RAM_STYLE = "distributed";
    parameter integer N_BEATS = 200;
    parameter integer FRAME_BEATS = 7;
    parameter integer BLOCK = 0;
    parameter integer TIMEOUT = 400000;

    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;

    reg  [WIDTH-1:0] xin [0:N_BEATS-1];
    reg              s_valid = 1'b0, s_last = 1'b0;
    wire             s_ready;
    reg  [WIDTH-1:0] s_data = 0;
    wire             m_valid, m_last;
    reg              m_ready = 1'b0;
    wire [WIDTH-1:0] m_data;

    skip_fifo #(.WIDTH(WIDTH), .DEPTH(DEPTH), .RAM_STYLE(RAM_STYLE)) dut (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tdata(s_data), .s_axis_tlast(s_last),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data), .m_axis_tlast(m_last));

    reg [8*1024-1:0] fname;
    integer fout, seed, pin, pout, burst, cycle, sent, received, drain, left_in, left_out, first_take, latency;
    reg             held = 1'b0;
    reg [WIDTH-1:0] held_data;
    reg             held_last;
    reg             mv;

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
        seed = 1; pin = 0; pout = 0; burst = 1;
        if (!$value$plusargs("xin=%s", fname)) begin $display("FATAL: missing +xin"); $finish; end
        $readmemh(fname, xin);
        if (!$value$plusargs("out=%s", fname)) begin $display("FATAL: missing +out"); $finish; end
        fout = $fopen(fname, "w");
        if ($value$plusargs("seed=%d", seed)) ;
        if ($value$plusargs("pin=%d", pin)) ;
        if ($value$plusargs("pout=%d", pout)) ;
        if ($value$plusargs("burst=%d", burst)) ;
    end

    always @(posedge clk) begin
        if (rst) begin
            cycle = 0; sent = 0; received = 0; drain = -1; left_in = 0; left_out = 0; first_take = -1; latency = -1;
        end else begin
            cycle = cycle + 1;
            // sent - received is the number of beats the FIFO holds before this edge.
            if (s_ready !== (sent - received < DEPTH)) begin
                $display("FATAL: cycle %0d: s_axis_tready = %0d with %0d beats held, DEPTH %0d", cycle, s_ready, sent - received, DEPTH);
                stop;
            end
            if (RAM_STYLE != "block" && m_valid !== (sent - received > 0)) begin
                $display("FATAL: cycle %0d: m_axis_tvalid = %0d with %0d beats held", cycle, m_valid, sent - received);
                stop;
            end
            if (cycle == BLOCK && BLOCK > 0) $display("HELD %0d", sent + (s_valid && s_ready));
            if (drain >= 0) begin
                if (m_valid) begin
                    $display("FATAL: output beat %0d after the last expected one", received);
                    stop;
                end
                drain = drain + 1;
                if (drain == 32) stop;
            end else if (cycle > TIMEOUT) begin
                $display("TIMEOUT: sent %0d beats, received %0d", sent, received);
                stop;
            end
            if (held && (!m_valid || m_data !== held_data || m_last !== held_last)) begin
                $display("FATAL: output beat %0d changed while stalled", received);
                stop;
            end
            held      = m_valid && !m_ready;
            held_data = m_data;
            held_last = m_last;
            if (s_valid && s_ready && first_take < 0) first_take = cycle;

            if (m_valid && m_ready) begin
                if (latency < 0) begin
                    latency = cycle - first_take;
                    $display("LATENCY %0d", latency);
                end
                $fwrite(fout, "%0d %0d\n", m_last, m_data);
                received = received + 1;
                if (received == N_BEATS) begin
                    $display("CYCLES %0d", cycle);
                    drain = 0;
                end
            end

            if (!s_valid || s_ready) begin
                if (s_valid) sent = sent + 1;
                mv = 1'b1;
                if (cycle > BLOCK) go(left_in, pin, mv);
                if (sent < N_BEATS && mv) begin
                    s_data  <= xin[sent];
                    s_last  <= (sent % FRAME_BEATS) == FRAME_BEATS - 1;
                    s_valid <= 1'b1;
                end else s_valid <= 1'b0;
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
