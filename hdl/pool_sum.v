// Pool-sum unit for average and global pooling, docs/integer-semantics.md §1, §2, §4 and §8:
//   sum = the sum of a KH x KW window at stride (KH, KW), per channel (an unsigned integer below
//         KH*KW*2^ELEM_BITS), then y = clamp(rshift_round(sum * M0, SHIFT), 0, 2^OUT_BITS - 1)
// with one (M0, SHIFT) for every channel, through requant.v. PoolKernels.AvgPool computes the same.
// Global pooling is KH = H, KW = W.
//
// Input: frames of H x W pixels of C channels in (y, x, c) order as H*W*C/LANES beats of LANES
// unsigned elements of ELEM_BITS (LANES | C). The frame size is fixed, so the beat count, not
// s_axis_tlast, ends a frame. Output: the (H/KH) x (W/KW) x C frame in the same order, beats of
// LANES elements of OUT_BITS, m_axis_tlast on the frame's last beat. Rows and columns from
// floor(H/KH)*KH and floor(W/KW)*KW on are taken and dropped. pool_window.v keeps the partial sums
// of one output row ((W/KW)*C sums) and of the current window's columns (C sums).
//
// Widths: SUM_BITS comes from C# (the bound of §8: bitlength(KH*KW*(2^ELEM_BITS - 1))); the bench
// and synthesis stop with a FATAL message when it is below that bound, so no sum can wrap. The
// requant unit sees the sum as a signed SUM_BITS + 1 bit accumulator, and its product needs
// SUM_BITS + MB + 2 <= 64 bits (§5).
//
// Flow control: a window's LANES sums leave pool_window.v the cycle after the beat that completes
// it, pass the LANES requant units (two cycles) and enter an 8-entry output FIFO (axis_fifo.v). A
// beat that completes a window is taken only while a FIFO slot is free for it (occ counts results in
// the pipeline and in the FIFO); other beats are always taken.
// Cycle behaviour: one input beat per cycle while the output is not stalled, so a frame takes
// H*W*C/LANES cycles and frames stream back to back; a result leaves four cycles after the beat that
// completes its window.
module pool_sum #(
    parameter integer H = 4,
    parameter integer W = 4,
    parameter integer C = 2,
    parameter integer KH = 2,
    parameter integer KW = 2,
    parameter integer LANES = 1,
    parameter integer ELEM_BITS = 8,
    parameter integer SUM_BITS = 10,
    parameter integer OUT_BITS = 8,
    parameter integer MB = 16,
    parameter [63:0] M0 = 64'd16384,
    parameter integer SHIFT = 16
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire                       s_axis_tvalid,
    output wire                       s_axis_tready,
    input  wire [LANES*ELEM_BITS-1:0] s_axis_tdata,
    // The frame size is fixed, so the beat count, not tlast, ends a frame.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                       s_axis_tlast,
    /* verilator lint_on UNUSEDSIGNAL */

    output wire                       m_axis_tvalid,
    input  wire                       m_axis_tready,
    output wire [LANES*OUT_BITS-1:0]  m_axis_tdata,
    output wire                       m_axis_tlast
);
    localparam integer OW = LANES * OUT_BITS;
    localparam integer FIFO_DEPTH = 8;

    // bitlength(KH*KW*(2^ELEM_BITS - 1)), the width of the largest window sum.
    function automatic integer sum_bound_bits(input integer n, input integer bits);
        reg [63:0] m;
        integer b;
        begin
            m = 64'(n) * ((64'd1 << bits) - 64'd1);
            b = 0;
            while (m != 64'd0) begin
                b = b + 1;
                m = m >> 1;
            end
            sum_bound_bits = b;
        end
    endfunction
    localparam integer NEED_BITS = sum_bound_bits(KH * KW, ELEM_BITS);

    generate
        if (SUM_BITS < NEED_BITS) begin : g_narrow
            initial begin
                $display("FATAL: pool_sum: SUM_BITS = %0d is below the bound %0d of a %0dx%0d window of %0d-bit codes; pass the width the compiler computes",
                         SUM_BITS, NEED_BITS, KH, KW, ELEM_BITS);
                $finish;
            end
        end
    endgenerate

    wire                      emit;
    wire                      r_valid;
    wire [LANES*SUM_BITS-1:0] r_data;
    wire                      r_last;
    reg  [3:0]                occ;
    reg  [1:0]                last_pipe;

    assign s_axis_tready = !emit || (occ < 4'(FIFO_DEPTH));
    wire in_fire = s_axis_tvalid && s_axis_tready;
    wire pop = m_axis_tvalid && m_axis_tready;

    pool_window #(.H(H), .W(W), .C(C), .KH(KH), .KW(KW), .LANES(LANES), .IN_BITS(ELEM_BITS),
                  .ACC_BITS(SUM_BITS), .OP(1)) u_win (
        .clk(clk), .rst(rst), .in_fire(in_fire), .in_data(s_axis_tdata), .emit(emit),
        .out_valid(r_valid), .out_data(r_data), .out_last(r_last));

    // Every lane is valid together with lane 0, whose flag drives the FIFO.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [LANES-1:0] q_valid;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [OW-1:0]    q_data;
    genvar l;
    generate
        for (l = 0; l < LANES; l = l + 1) begin : g_lane
            requant #(.ACC_BITS(SUM_BITS + 1), .MB(MB), .OUT_BITS(OUT_BITS),
                      .LO(64'sd0), .HI((64'sd1 <<< OUT_BITS) - 64'sd1)) u_rq (
                .clk(clk), .rst(rst), .in_valid(r_valid),
                .acc($signed({1'b0, r_data[l*SUM_BITS +: SUM_BITS]})),
                .m0(MB'(M0)), .k(6'(SHIFT)),
                .out_valid(q_valid[l]), .y(q_data[l*OUT_BITS +: OUT_BITS]));
        end
    endgenerate

    // tlast travels beside the two requant stages.
    always @(posedge clk) last_pipe <= {last_pipe[0], r_last};

    always @(posedge clk) begin
        if (rst) occ <= 4'd0;
        else     occ <= occ + ((in_fire && emit) ? 4'd1 : 4'd0) - (pop ? 4'd1 : 4'd0);
    end

    // The FIFO always has room for a result: occ counted it when its last beat was taken.
    /* verilator lint_off UNUSEDSIGNAL */
    wire fifo_ready;
    /* verilator lint_on UNUSEDSIGNAL */
    axis_fifo #(.WIDTH(OW), .DEPTH(FIFO_DEPTH)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(q_valid[0]), .s_axis_tready(fifo_ready), .s_axis_tdata(q_data), .s_axis_tlast(last_pipe[1]),
        .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tlast(m_axis_tlast));
endmodule
