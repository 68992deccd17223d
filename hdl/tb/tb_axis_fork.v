// Testbench for axis_fork.v: a source streams N_BEATS beats of WIDTH bits (+xin: one hex value per
// line) with tlast on every FRAME_BEATS-th beat into a fork of N branches, each with its own sink;
// every beat a branch takes is written to +out as "branch tlast data" (decimal). ForkTests
// (ResidualBlockTests.cs) checks that every branch sees every beat once, in order.
// Stalls come in bursts: in a cycle where a side is not stalling it starts a burst with probability
// +pin (source) / +pout (each sink, drawn separately) percent, of 1 + (random mod +burst) cycles. The
// source holds valid once raised until the beat is taken.
// For the first BLOCK cycles branch 0 holds ready low, the other branches are always ready and the
// source offers beats without stalls; the bench then prints "TAKEN <beats the input retired>" and
// "BRANCH <j> <beats>" for every branch. "CYCLES <n>" after the last beat of the last branch;
// "FATAL: ..." on a held beat that changes and on a beat beyond N_BEATS on any branch;
// "TIMEOUT: ..." on a deadlock.
module tb_axis_fork;
    parameter integer N = 2;
    parameter integer WIDTH = 8;
    parameter integer N_BEATS = 200;
    parameter integer FRAME_BEATS = 7;
    parameter integer BLOCK = 0;
    parameter integer TIMEOUT = 400000;

    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;

    reg  [WIDTH-1:0]   xin [0:N_BEATS-1];
    reg                s_valid = 1'b0, s_last = 1'b0;
    wire               s_ready;
    reg  [WIDTH-1:0]   s_data = 0;
    wire [N-1:0]       m_valid, m_last;
    reg  [N-1:0]       m_ready = {N{1'b0}};
    wire [N*WIDTH-1:0] m_data;

    axis_fork #(.N(N), .WIDTH(WIDTH)) dut (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tdata(s_data), .s_axis_tlast(s_last),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data), .m_axis_tlast(m_last));

    reg [8*1024-1:0] fname;
    integer fout, seed, pin, pout, burst, cycle, sent, drain, left_in, j, done_all;
    integer received [0:N-1];
    integer left_out [0:N-1];
    reg [N-1:0]       held = {N{1'b0}};
    reg [N*WIDTH-1:0] held_data;
    reg [N-1:0]       held_last;
    reg               mv;

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
            cycle = 0; sent = 0; drain = -1; left_in = 0;
            for (j = 0; j < N; j = j + 1) begin received[j] = 0; left_out[j] = 0; end
        end else begin
            cycle = cycle + 1;
            if (cycle == BLOCK && BLOCK > 0) begin
                $display("TAKEN %0d", sent + (s_valid && s_ready));
                for (j = 0; j < N; j = j + 1) $display("BRANCH %0d %0d", j, received[j] + (m_valid[j] && m_ready[j]));
            end
            if (drain >= 0) begin
                if (m_valid != {N{1'b0}}) begin
                    $display("FATAL: a branch was offered a beat after the last one");
                    stop;
                end
                drain = drain + 1;
                if (drain == 32) stop;
            end else if (cycle > TIMEOUT) begin
                $display("TIMEOUT: sent %0d beats, branch 0 received %0d", sent, received[0]);
                stop;
            end
            for (j = 0; j < N; j = j + 1) begin
                if (held[j] && (!m_valid[j] || m_data[j*WIDTH +: WIDTH] !== held_data[j*WIDTH +: WIDTH] || m_last[j] !== held_last[j])) begin
                    $display("FATAL: branch %0d: beat %0d changed while stalled", j, received[j]);
                    stop;
                end
                if (m_valid[j] && m_ready[j]) begin
                    if (received[j] == N_BEATS) begin
                        $display("FATAL: branch %0d took a beat beyond the last one", j);
                        stop;
                    end
                    $fwrite(fout, "%0d %0d %0d\n", j, m_last[j], m_data[j*WIDTH +: WIDTH]);
                    received[j] = received[j] + 1;
                end
            end
            held      = m_valid & ~m_ready;
            held_data = m_data;
            held_last = m_last;
            done_all = 1;
            for (j = 0; j < N; j = j + 1) if (received[j] != N_BEATS) done_all = 0;
            if (done_all != 0 && drain < 0) begin
                $display("CYCLES %0d", cycle);
                drain = 0;
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
            for (j = 0; j < N; j = j + 1) begin
                mv = 1'b0;
                if (cycle >= BLOCK) go(left_out[j], pout, mv);
                else mv = j != 0;
                m_ready[j] <= drain >= 0 || mv;
            end
        end
    end

    initial begin
        repeat (3) @(posedge clk);
        rst <= 1'b0;
    end
endmodule
