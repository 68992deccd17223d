// Testbench for axis_stall.v: a random producer (valid held until taken) and a random consumer
// around the shim, an AXI-Stream hold check on the consumer side and a handshake check across it.
// Plusargs:
//   +out=<file>     one line per beat the consumer takes: "data tlast" (decimal)
//   +trace=<file>   one line per cycle after reset: the shim's stalling state before the edge (0|1)
//   +seed=<n> +pin=<percent> +pout=<percent>   producer-valid and consumer-ready stalls of the bench
//   +sseed=<n> +enter=<0..255> +leave=<0..255>  the shim's inputs
// Beat i carries data i*7919 mod 2^DATA_BITS and tlast on every fifth beat.
// Prints "CYCLES <n>", and "BLOCKED <n>": cycles in which the consumer was ready and the producer
// offered a beat, yet the producer saw ready low (backpressure the shim made). Prints FATAL when a
// held consumer-side beat changes or the two sides see different handshakes.
module tb_axis_stall;
    parameter integer DATA_BITS = 16;
    parameter integer N_BEATS = 400;
    parameter integer TIMEOUT = 100000;

    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;

    reg                  s_valid = 1'b0;
    wire                 s_ready;
    reg  [DATA_BITS-1:0] s_data = 0;
    reg                  s_last = 1'b0;
    wire                 m_valid;
    reg                  m_ready = 1'b0;
    wire [DATA_BITS-1:0] m_data;
    wire                 m_last;
    reg  [31:0]          sseed = 32'd1;
    reg  [7:0]           enter = 8'd0;
    reg  [7:0]           leave = 8'd0;

    axis_stall #(.DATA_BITS(DATA_BITS)) dut (
        .clk(clk), .rst(rst), .seed(sseed), .enter(enter), .leave(leave),
        .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tdata(s_data), .s_axis_tlast(s_last),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data), .m_axis_tlast(m_last));

    reg [8*1024-1:0] fname;
    integer fout, ftrace, seed, pin, pout, cycle, sent, received, blocked, v;
    reg                  held = 1'b0;
    reg [DATA_BITS-1:0]  held_data;
    reg                  held_last;

    initial begin
        seed = 1; pin = 0; pout = 0;
        if (!$value$plusargs("out=%s", fname)) begin $display("FATAL: +out missing"); $finish; end
        fout = $fopen(fname, "w");
        if (!$value$plusargs("trace=%s", fname)) begin $display("FATAL: +trace missing"); $finish; end
        ftrace = $fopen(fname, "w");
        if ($value$plusargs("seed=%d", seed)) ;
        if ($value$plusargs("pin=%d", pin)) ;
        if ($value$plusargs("pout=%d", pout)) ;
        if ($value$plusargs("sseed=%d", v)) sseed = v;
        if ($value$plusargs("enter=%d", v)) enter = v;
        if ($value$plusargs("leave=%d", v)) leave = v;
    end

    task finish_run;
        begin
            $display("CYCLES %0d", cycle);
            $display("BLOCKED %0d", blocked);
            $fclose(fout);
            $fclose(ftrace);
            $finish;
        end
    endtask

    always @(posedge clk) begin
        if (rst) begin
            cycle = 0; sent = 0; received = 0; blocked = 0;
        end else begin
            cycle = cycle + 1;
            if (cycle > TIMEOUT) begin
                $display("TIMEOUT: sent %0d beats, received %0d beats", sent, received);
                finish_run;
            end
            $fwrite(ftrace, "%0d\n", dut.stalling);
            if (held && (!m_valid || m_data !== held_data || m_last !== held_last)) begin
                $display("FATAL: consumer-side beat %0d changed while not taken", received);
                finish_run;
            end
            if ((s_valid && s_ready) !== (m_valid && m_ready)) begin
                $display("FATAL: cycle %0d: producer handshake %0d, consumer handshake %0d", cycle, s_valid && s_ready, m_valid && m_ready);
                finish_run;
            end
            if (s_valid && !s_ready && m_ready) blocked = blocked + 1;
            held      = m_valid && !m_ready;
            held_data = m_data;
            held_last = m_last;
            if (m_valid && m_ready) begin
                $fwrite(fout, "%0d %0d\n", m_data, m_last);
                received = received + 1;
            end
            if (!s_valid || s_ready) begin
                if (s_valid) sent = sent + 1;
                if (sent < N_BEATS && ($unsigned($random(seed)) % 100) >= pin) begin
                    s_data  <= sent * 7919;
                    s_last  <= (sent % 5) == 4;
                    s_valid <= 1'b1;
                end else begin
                    s_valid <= 1'b0;
                end
            end
            if (received == N_BEATS) finish_run;
            m_ready <= ($unsigned($random(seed)) % 100) >= pout;
        end
    end

    initial begin
        repeat (3) @(posedge clk);
        rst <= 1'b0;
    end
endmodule
