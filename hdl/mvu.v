// Matrix-vector unit, docs/integer-semantics.md §3, §4 and §6.
//
// Streams one vector of IN unsigned A_BITS activations in (beats of SIMD elements), computes
// y = requant(B + W x) for OUT channels and streams it out as OUT/PE beats of PE elements, tlast on
// the last beat. Element i of a beat sits at bits [i*width +: width] (§1). A stream with another
// beat width goes through axis_dwc.v first (the generated wrapper instantiates it).
//
// Folding (§6): SF = IN/SIMD, NF = OUT/PE; SIMD x PE terms per cycle, SF*NF cycles per vector.
//
// Weights and per-channel parameters live in ROMs outside this block (in the generated per-layer
// wrapper). Both are synchronous: the word for the address presented in cycle t is read in t+1.
//   w_addr = nf*SF + sf; word bits [(p*SIMD + s)*W_BITS +: W_BITS] = code of W[nf*PE+p][sf*SIMD+s].
//   p_addr = nf; word bits [p*PW +: PW], PW = ACC_BITS + MB + 6, hold channel c = nf*PE + p as
//   {k[5:0], M0[MB-1:0], B[ACC_BITS-1:0]} (B signed).
//
// Terms (§3): WEIGHT_MODE 0 uniform (real multiplier), 1 POT (shift), 2 POST (x and x/sqrt2 per
// SIMD lane, computed once and shared by all PE rows, then select and shift). POT and POST terms
// are magnitudes m with a sign; a negative term enters the adder tree as ~m = -m - 1 (an XOR) and
// the count of negative terms is one more leaf, which completes each -m = ~m + 1.
//
// Adder tree widths (add_tree.v): every leaf is a signed LEAF_W-bit value, the uniform product or
// the magnitude m (or ~m = -m - 1, its sign-extended complement) or the count, each with a sign
// bit; each tree level adds one bit, capped at ACC_BITS. Below the cap a node holds its exact value.
// At the cap sums are modulo 2^ACC_BITS; that reduction commutes with addition, and the true sum of
// a tree (a partial sum of one output channel, |sum| <= Bound) fits ACC_BITS signed bits by the
// bound of §5, so the root is exact. The accumulator adds in ACC_BITS bits for the same reason.
//
// Dataflow: the input vector is double buffered in a simple dual-port RAM of SIMD-wide words,
// xmem[{bank, sf}] (two banks of 2^ceil(log2 SF) words; the words from SF up are unused when SF is
// not a power of two). One write port takes one input beat per cycle into the bank being loaded;
// one synchronous read port gives the word of the bank being computed on, one per compute cycle.
// The writer only loads a bank that is empty and the reader only reads one that is full (full is
// set the cycle after its last write and cleared by the issue of its last read), so the two ports
// never touch the same bank in a cycle and the RAM needs no read-during-write bypass: synthesis maps
// it to LUTRAM or BRAM. The next vector loads while this one computes.
// Pipeline: issue (ROM and buffer read) -> lanes -> terms and adder tree -> accumulate ->
// requant product -> round/shift/clamp -> output FIFO. The compute pipeline never stalls: an
// nf group starts only when it holds a credit for a free output FIFO slot, so m_axis_tready = 0
// backs up into the compute loop and then into s_axis_tready without losing or repeating data.
// Requantization (requant.v, two stages) is time-shared when SF >= PE > 1: an nf group completes at
// most once every SF cycles, so ONE unit takes the group's PE sums with their {k, M0} from a shift
// register loaded when the group completes, one channel per cycle, and the beat is pushed with the
// last channel's result (PE - 1 cycles later than in parallel). Otherwise PE units work in
// parallel (one unit when PE = 1). Results and their order are the same either way; OF_DEPTH sizes the credits for both.
module mvu #(
    parameter integer IN = 16,
    parameter integer OUT = 8,
    parameter integer SIMD = 4,
    parameter integer PE = 2,
    parameter integer A_BITS = 8,
    parameter integer W_BITS = 4,
    parameter integer WEIGHT_MODE = 2,
    parameter integer SQRT_FRAC_BITS = 8,
    // The R_F table of post_lane.v for POST layers; one unused bit otherwise.
    parameter [((WEIGHT_MODE == 2) ? (2**A_BITS)*(A_BITS+SQRT_FRAC_BITS) : 1)-1:0] SQRT_TABLE = {((WEIGHT_MODE == 2) ? (2**A_BITS)*(A_BITS+SQRT_FRAC_BITS) : 1){1'b0}},
    parameter integer ACC_BITS = 24,
    parameter integer MB = 16,
    parameter integer OUT_BITS = 8,
    // Documents the output stream type (§1); LO and HI already carry it.
    /* verilator lint_off UNUSEDPARAM */
    parameter integer OUT_SIGNED = 0,
    /* verilator lint_on UNUSEDPARAM */
    parameter signed [63:0] LO = 64'sd0,
    parameter signed [63:0] HI = 64'sd255,
    // Derived widths, depths and flags: computed in C# (Hardware/MvuLayout.cs, MvuLayout.Hardware, one
    // definition each, listed per layer in design.json) and passed by the generated wrapper and the
    // testbench; this block derives none of them. The defaults are the values for the defaults above.
    // Address bits of the weight ROM (SF*NF words) and the parameter ROM (NF words), at least 1.
    parameter integer W_ADDR_BITS = 4,
    parameter integer P_ADDR_BITS = 2,
    // Bits of the input beat and sf counters, of the nf counter and of the shared requant unit's
    // channel counter: ceil(log2) of SF, NF and PE, at least 1.
    parameter integer SF_W = 2,
    parameter integer NF_W = 2,
    parameter integer PE_W = 1,
    // Bits of one channel {k[5:0], M0[MB-1:0], B[ACC_BITS-1:0]} in a parameter word: ACC_BITS + MB + 6.
    parameter integer PW = 46,
    // Adder tree leaves per PE: the SIMD terms, plus for POT and POST the count of negative terms (the
    // +1 of each ~m).
    parameter integer LEAVES = 5,
    // Bits of a POST lane value (A_BITS + SQRT_FRAC_BITS) and of a POT or POST term magnitude (as
    // post_term.v and pot_term.v declare them). Unused, and not passed, where the weight code has none.
    parameter integer POST_LW = 16,
    parameter integer MAG_BITS = 19,
    // Signed leaf width: the uniform product, or a sign bit over the wider of a magnitude (or its
    // complement) and the negative-term count.
    parameter integer LEAF_W = 20,
    // Requantization: 1 = one unit shared by the PE channels of a group (groups complete at most once
    // every SF >= PE > 1 cycles), 0 = one unit per PE. With PE = 1 both are one unit; the parallel form
    // reads the accumulator directly and needs no shift register.
    parameter integer RQ_SHARED = 1,
    // Output FIFO slots, and the bits of the credit counter (0..OF_DEPTH). A group's credit is reused
    // PIPE_LAT cycles after the issue of its last word: its beat enters the FIFO 6 cycles after that
    // issue (5 + PE shared, where the PE channels pass the unit one after another), is popped a cycle
    // later at the earliest, and the credit counts again the cycle after that, so PIPE_LAT = 7, or
    // 6 + PE shared. Groups start every SF cycles, so 1 + ceil(PIPE_LAT / SF) credits keep the loop
    // busy; OF_DEPTH is that rounded up to a power of two (axis_fifo.v).
    parameter integer OF_DEPTH = 4,
    parameter integer CR_W = 3
) (
    input  wire                          clk,
    input  wire                          rst,

    input  wire                          s_axis_tvalid,
    output wire                          s_axis_tready,
    input  wire [SIMD*A_BITS-1:0]        s_axis_tdata,
    // The vector length is fixed, so the beat count, not tlast, ends a vector.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                          s_axis_tlast,
    /* verilator lint_on UNUSEDSIGNAL */

    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire [PE*OUT_BITS-1:0]        m_axis_tdata,
    output wire                          m_axis_tlast,

    output wire                          w_en,
    output wire [W_ADDR_BITS-1:0]        w_addr,
    input  wire [PE*SIMD*W_BITS-1:0]     w_data,

    output wire                          p_en,
    output wire [P_ADDR_BITS-1:0]        p_addr,
    input  wire [PE*PW-1:0]              p_data
);
    // The folds of §6, used as loop bounds: they follow from the sizes and hold no choice.
    localparam integer SF = IN / SIMD;
    localparam integer NF = OUT / PE;
    localparam integer SLICE_BITS = SIMD * A_BITS;

    // ------------------------------------------------------------------ input double buffer
    reg  [SLICE_BITS-1:0] xmem [0:2*(2**SF_W)-1];
    reg  [1:0]            full;
    reg                   wr_bank;
    reg                   rd_bank;
    reg  [SF_W-1:0]       beat;

    wire in_fire = s_axis_tvalid && s_axis_tready;
    wire in_done = in_fire && (beat == SF_W'(SF - 1));
    assign s_axis_tready = !full[wr_bank];

    always @(posedge clk) begin
        if (in_fire) xmem[{wr_bank, beat}] <= s_axis_tdata;
    end

    // ------------------------------------------------------------------ issue (stage 0)
    reg  [SF_W-1:0]        sf;
    reg  [NF_W-1:0]        nf;
    reg  [W_ADDR_BITS-1:0] waddr;
    reg  [CR_W-1:0]        credits;

    wire out_pop  = m_axis_tvalid && m_axis_tready;
    wire sf_first = (sf == {SF_W{1'b0}});
    wire sf_last  = (sf == SF_W'(SF - 1));
    wire nf_last  = (nf == NF_W'(NF - 1));
    wire issue    = full[rd_bank] && (!sf_first || credits != {CR_W{1'b0}});
    wire start    = issue && sf_first;
    wire rd_done  = issue && sf_last && nf_last;

    assign w_en   = issue;
    assign w_addr = waddr;

    always @(posedge clk) begin
        if (rst) begin
            full    <= 2'b00;
            wr_bank <= 1'b0;
            rd_bank <= 1'b0;
            beat    <= {SF_W{1'b0}};
            sf      <= {SF_W{1'b0}};
            nf      <= {NF_W{1'b0}};
            waddr   <= {W_ADDR_BITS{1'b0}};
            credits <= CR_W'(OF_DEPTH);
        end else begin
            if (in_fire) begin
                beat <= in_done ? {SF_W{1'b0}} : beat + 1'b1;
                if (in_done) wr_bank <= !wr_bank;
            end
            // The writer only sets a bank that is empty and the reader only clears a full one,
            // so the two never touch the same bank in one cycle.
            if (in_done) full[wr_bank] <= 1'b1;
            if (rd_done) begin
                full[rd_bank] <= 1'b0;
                rd_bank <= !rd_bank;
            end
            if (issue) begin
                sf    <= sf_last ? {SF_W{1'b0}} : sf + 1'b1;
                waddr <= rd_done ? {W_ADDR_BITS{1'b0}} : waddr + 1'b1;
                if (sf_last) nf <= nf_last ? {NF_W{1'b0}} : nf + 1'b1;
            end
            if (start && !out_pop)      credits <= credits - 1'b1;
            else if (out_pop && !start) credits <= credits + 1'b1;
        end
    end

    // ------------------------------------------------------------------ stage 1: operands
    reg  [SLICE_BITS-1:0] x1;
    reg                   v1, first1, last1, tl1;
    reg  [NF_W-1:0]       nf1;

    always @(posedge clk) begin
        x1     <= xmem[{rd_bank, sf}];
        first1 <= sf_first;
        last1  <= sf_last;
        tl1    <= nf_last;
        nf1    <= nf;
        v1     <= rst ? 1'b0 : issue;
    end

    // ------------------------------------------------------------------ stage 2: lanes
    reg  [PE*SIMD*W_BITS-1:0] w2;
    reg                       v2, first2, last2, tl2;
    reg  [NF_W-1:0]           nf2;

    always @(posedge clk) begin
        w2     <= w_data;
        first2 <= first1;
        last2  <= last1;
        tl2    <= tl1;
        nf2    <= nf1;
        v2     <= rst ? 1'b0 : v1;
    end

    assign p_en   = v2;
    assign p_addr = P_ADDR_BITS'(nf2);

    // ------------------------------------------------------------------ terms and adder trees
    // mac_array.v: the input lanes (registered, in step with w2), the SIMD x PE terms and the PE trees.
    reg  [PE*ACC_BITS-1:0] psum;
    wire [PE*ACC_BITS-1:0] psum_w;
    reg                    v3, first3, last3, tl3;

    mac_array #(.SIMD(SIMD), .PE(PE), .A_BITS(A_BITS), .W_BITS(W_BITS), .WEIGHT_MODE(WEIGHT_MODE),
                .SQRT_FRAC_BITS(SQRT_FRAC_BITS), .SQRT_TABLE(SQRT_TABLE), .ACC_BITS(ACC_BITS),
                .LEAVES(LEAVES), .POST_LW(POST_LW), .MAG_BITS(MAG_BITS), .LEAF_W(LEAF_W)) u_macs (
        .clk(clk), .x(x1), .w(w2), .psum(psum_w));

    // ------------------------------------------------------------------ stage 3: partial sums
    genvar p;
    always @(posedge clk) begin
        psum   <= psum_w;
        first3 <= first2;
        last3  <= last2;
        tl3    <= tl2;
        v3     <= rst ? 1'b0 : v2;
    end

    // ------------------------------------------------------------------ stage 4: accumulate
    // p_data (read with p_addr in stage 2) is valid now. B starts the sum (§4).
    reg  [PE*ACC_BITS-1:0] acc;
    wire [PE*ACC_BITS-1:0] acc_next;

    generate
        for (p = 0; p < PE; p = p + 1) begin : g_acc
            wire [ACC_BITS-1:0] base = first3 ? p_data[p*PW +: ACC_BITS] : acc[p*ACC_BITS +: ACC_BITS];
            assign acc_next[p*ACC_BITS +: ACC_BITS] = base + psum[p*ACC_BITS +: ACC_BITS];
            always @(posedge clk) begin
                if (v3) acc[p*ACC_BITS +: ACC_BITS] <= acc_next[p*ACC_BITS +: ACC_BITS];
            end
        end
    endgenerate

    // ------------------------------------------------------------------ requantization
    // The beat of a finished nf group that enters the output FIFO.
    wire                   of_push;
    wire [PE*OUT_BITS-1:0] of_data;
    wire                   of_last;

    generate
        if (RQ_SHARED != 0) begin : g_rq_shared
            // One requant unit, time-shared: the PE finished sums of a group and their {k, M0} are
            // loaded into a shift register when the group completes and fed to the unit one per
            // cycle, channel nf*PE first. A group completes at most once every SF >= PE cycles, so a
            // load never overtakes a feed still in progress (the last feed cycle may coincide with
            // the next load). The PE results are collected and pushed as one beat with the last.
            wire [PE*PW-1:0] sr_load;
            for (p = 0; p < PE; p = p + 1) begin : g_load
                assign sr_load[p*PW +: PW] = {p_data[p*PW + ACC_BITS +: PW - ACC_BITS], acc_next[p*ACC_BITS +: ACC_BITS]};
            end
            reg  [PE*PW-1:0] sr;
            reg              feed, feed_tl;
            reg  [PE_W-1:0]  cnt;
            reg              last_a, last_b, tl_a, tl_b;
            wire             feed_last = (cnt == PE_W'(PE - 1));
            wire             rq_out_v;
            wire [OUT_BITS-1:0] rq_y;
            // A named signed wire rather than $signed() on the port, as in g_rq_parallel.
            wire signed [ACC_BITS-1:0] acc_s = sr[ACC_BITS-1:0];

            always @(posedge clk) begin
                if (v3 && last3) begin
                    sr      <= sr_load;
                    cnt     <= {PE_W{1'b0}};
                    feed_tl <= tl3;
                end else if (feed && !feed_last) begin
                    sr  <= sr >> PW;
                    cnt <= cnt + 1'b1;
                end
                if (rst) feed <= 1'b0;
                else if (v3 && last3) feed <= 1'b1;
                else if (feed_last) feed <= 1'b0;
                // The unit's two stages: last element of a group and its tlast travel alongside.
                last_a <= rst ? 1'b0 : (feed && feed_last);
                last_b <= rst ? 1'b0 : last_a;
                tl_a   <= feed_tl;
                tl_b   <= tl_a;
            end

            requant #(.ACC_BITS(ACC_BITS), .MB(MB), .OUT_BITS(OUT_BITS), .LO(LO), .HI(HI)) u_rq (
                .clk(clk), .rst(rst), .in_valid(feed),
                .acc(acc_s), .m0(sr[ACC_BITS +: MB]), .k(sr[ACC_BITS + MB +: 6]),
                .out_valid(rq_out_v), .y(rq_y));

            assign of_push = rq_out_v && last_b;
            assign of_last = tl_b;
            // Channels 0 .. PE-2 of the group wait in ycol (channel 0 lowest); the last joins them.
            reg  [(PE-1)*OUT_BITS-1:0] ycol;
            wire [PE*OUT_BITS-1:0]     ycat = {rq_y, ycol};
            always @(posedge clk) begin
                if (rq_out_v) ycol <= ycat[PE*OUT_BITS-1:OUT_BITS];
            end
            assign of_data = ycat;
        end else begin : g_rq_parallel
            // One requant unit per PE: groups may complete every cycle (SF < PE), or PE = 1.
            reg  [PE*MB-1:0]       rq_m0;
            reg  [PE*6-1:0]        rq_k;
            reg                    rq_v, tl4, tl5, tl6;
            wire [PE-1:0]          rq_out_v;
            wire [PE*OUT_BITS-1:0] rq_y;
            for (p = 0; p < PE; p = p + 1) begin : g_pe
                // A named signed wire rather than $signed() on the port: Yosys 0.23 asserts on the latter when PE = 1.
                wire signed [ACC_BITS-1:0] acc_s = acc[p*ACC_BITS +: ACC_BITS];
                always @(posedge clk) begin
                    if (v3 && last3) begin
                        rq_m0[p*MB +: MB] <= p_data[p*PW + ACC_BITS +: MB];
                        rq_k[p*6 +: 6]    <= p_data[p*PW + ACC_BITS + MB +: 6];
                    end
                end
                requant #(.ACC_BITS(ACC_BITS), .MB(MB), .OUT_BITS(OUT_BITS), .LO(LO), .HI(HI)) u_rq (
                    .clk(clk), .rst(rst), .in_valid(rq_v),
                    .acc(acc_s), .m0(rq_m0[p*MB +: MB]), .k(rq_k[p*6 +: 6]),
                    .out_valid(rq_out_v[p]), .y(rq_y[p*OUT_BITS +: OUT_BITS]));
            end
            always @(posedge clk) begin
                tl4  <= tl3;
                tl5  <= tl4;
                tl6  <= tl5;
                rq_v <= rst ? 1'b0 : (v3 && last3);
            end
            assign of_push = &rq_out_v;
            assign of_data = rq_y;
            assign of_last = tl6;
        end
    endgenerate

    // ------------------------------------------------------------------ output FIFO
    // Never full when pushed: every nf group in flight holds a credit for its slot.
    /* verilator lint_off UNUSEDSIGNAL */
    wire ofifo_ready;
    /* verilator lint_on UNUSEDSIGNAL */

    axis_fifo #(.WIDTH(PE*OUT_BITS), .DEPTH(OF_DEPTH)) u_ofifo (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(of_push), .s_axis_tready(ofifo_ready), .s_axis_tdata(of_data), .s_axis_tlast(of_last),
        .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready), .m_axis_tdata(m_axis_tdata),
        .m_axis_tlast(m_axis_tlast));
endmodule
