// Shared scaffolding of the stream testbenches in hdl/tb, `include'd inside the bench module after
// its parameters. It provides the clock, a reset held for three cycles, a source that streams +xin
// into the block under test, a sink that writes every output beat to +out, random stalls on both
// sides, an AXI-Stream hold check and a deadlock timeout. The bench instantiates the block on
// s_valid/s_ready/s_data/s_last and m_valid/m_ready/m_data/m_last.
//
// The including module declares before the `include:
//   parameter  integer TIMEOUT         cycles after reset before the bench gives up ("TIMEOUT")
//   localparam integer TB_IN_LANES     elements per input beat
//   localparam integer TB_IN_BITS      bits per input element
//   localparam integer TB_IN_BEATS     input beats in all
//   localparam integer TB_FRAME_BEATS  input beats per frame or vector (s_last on the last one)
//   localparam integer TB_OUT_LANES    elements per output beat
//   localparam integer TB_OUT_BITS     bits per output element
//   localparam integer TB_OUT_BEATS    output beats in all; the bench ends after the last one
// Plusargs:
//   +xin=<hex file>  TB_IN_BEATS*TB_IN_LANES elements, one hex value per line, in stream order
//   +out=<file>      one line per output beat: "tlast e0 e1 ... e(TB_OUT_LANES-1)" (raw bits, decimal)
//   +seed=<n>        seed of the stall pattern (default 1)
//   +pin=<percent>   chance that the source leaves input valid low in a cycle (default 0)
//   +pout=<percent>  chance that the sink holds output ready low in a cycle (default 0)
// The bench prints "CYCLES <n>", the cycles from reset release to the last output beat, and
// "FATAL: ..." or "TIMEOUT: ..." on a failure (HdlTestKit.RunIverilog fails the test on either).
// Source: input valid is held once raised until the beat is taken (AXI-Stream rule); the stall
// decision is drawn only when no beat is pending. Sink: ready is redrawn every cycle. Hold check:
// an output beat that is valid and not taken must be valid, with the same data and tlast, in the
// next cycle. After the last expected beat the bench runs TB_DRAIN more cycles with ready high and
// fails on any further output beat.
//
// TB_READMEMH(plusarg, memory) loads another hex file named by a plusarg, e.g.
// `TB_READMEMH("wrom=%s", wrom), for benches with ROMs.

`define TB_READMEMH(TB_ARG_, TB_MEM_) \
    if (!$value$plusargs(TB_ARG_, tb_fname)) begin \
        $display("FATAL: missing plusarg %0s", TB_ARG_); \
        $finish; \
    end \
    $readmemh(tb_fname, TB_MEM_);

    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;

    reg  [TB_IN_BITS-1:0]               xin [0:TB_IN_BEATS*TB_IN_LANES-1];
    reg                                 s_valid = 1'b0;
    wire                                s_ready;
    reg  [TB_IN_LANES*TB_IN_BITS-1:0]   s_data = {(TB_IN_LANES*TB_IN_BITS){1'b0}};
    reg                                 s_last = 1'b0;
    wire                                m_valid;
    reg                                 m_ready = 1'b0;
    wire [TB_OUT_LANES*TB_OUT_BITS-1:0] m_data;
    wire                                m_last;

    reg [8*1024-1:0] tb_fname;
    integer tb_fout, tb_seed, tb_pin, tb_pout, tb_cycle, tb_sent, tb_received, tb_i;
    reg                                 tb_held = 1'b0;
    reg [TB_OUT_LANES*TB_OUT_BITS-1:0]  tb_held_data;
    reg                                 tb_held_last;
    integer                             tb_drain = -1;
    localparam integer TB_DRAIN = 32;

    // True with probability (100 - percent)%: the side moves this cycle.
    function automatic tb_go(input integer percent);
        begin
            tb_go = ($unsigned($random(tb_seed)) % 100) >= percent;
        end
    endfunction

    task automatic tb_stop;
        begin
            $fclose(tb_fout);
            $finish;
        end
    endtask

    initial begin
        tb_seed = 1; tb_pin = 0; tb_pout = 0;
        `TB_READMEMH("xin=%s", xin)
        if (!$value$plusargs("out=%s", tb_fname)) begin $display("FATAL: plusarg out=%%s missing"); $finish; end
        tb_fout = $fopen(tb_fname, "w");
        if ($value$plusargs("seed=%d", tb_seed)) ;
        if ($value$plusargs("pin=%d", tb_pin)) ;
        if ($value$plusargs("pout=%d", tb_pout)) ;
    end

    // Source, sink and checks, all on the clock edge with nonblocking updates of the stream signals.
    always @(posedge clk) begin
        if (rst) begin
            tb_cycle = 0; tb_sent = 0; tb_received = 0;
        end else begin
            tb_cycle = tb_cycle + 1;
            if (tb_drain >= 0) begin
                if (m_valid) begin
                    $display("FATAL: output beat %0d after the last expected one", tb_received);
                    tb_stop;
                end
                tb_drain = tb_drain + 1;
                if (tb_drain == TB_DRAIN) tb_stop;
            end else if (tb_cycle > TIMEOUT) begin
                $display("TIMEOUT: sent %0d beats, received %0d beats", tb_sent, tb_received);
                tb_stop;
            end
            if (tb_held && (!m_valid || m_data !== tb_held_data || m_last !== tb_held_last)) begin
                $display("FATAL: output beat %0d changed while stalled", tb_received);
                tb_stop;
            end
            tb_held      = m_valid && !m_ready;
            tb_held_data = m_data;
            tb_held_last = m_last;
            if (!s_valid || s_ready) begin
                if (s_valid) tb_sent = tb_sent + 1;
                if (tb_sent < TB_IN_BEATS && tb_go(tb_pin)) begin
                    for (tb_i = 0; tb_i < TB_IN_LANES; tb_i = tb_i + 1)
                        s_data[tb_i*TB_IN_BITS +: TB_IN_BITS] <= xin[tb_sent*TB_IN_LANES + tb_i];
                    s_last  <= (tb_sent % TB_FRAME_BEATS) == TB_FRAME_BEATS - 1;
                    s_valid <= 1'b1;
                end else begin
                    s_valid <= 1'b0;
                end
            end
            if (m_valid && m_ready) begin
                $fwrite(tb_fout, "%0d", m_last);
                for (tb_i = 0; tb_i < TB_OUT_LANES; tb_i = tb_i + 1)
                    $fwrite(tb_fout, " %0d", m_data[tb_i*TB_OUT_BITS +: TB_OUT_BITS]);
                $fwrite(tb_fout, "\n");
                tb_received = tb_received + 1;
                if (tb_received == TB_OUT_BEATS) begin
                    $display("CYCLES %0d", tb_cycle);
                    tb_drain = 0;
                end
            end
            m_ready <= (tb_drain >= 0) || tb_go(tb_pout);
        end
    end

    initial begin
        repeat (3) @(posedge clk);
        rst <= 1'b0;
    end
