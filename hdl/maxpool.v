// Max-pool unit, docs/integer-semantics.md §1, §7 and §8: y = max over each K x K window at
// stride K, per channel, on the unsigned codes (no requantization; the output type is the input
// type).
//
// Input: frames of H x W pixels of C channels in (y, x, c) order as H*W*C/LANES beats of LANES
// elements of ELEM_BITS (LANES | C). The frame size is fixed, so the beat count, not
// s_axis_tlast, ends a frame. Output: the (H/K) x (W/K) x C frame in the same order, beats of LANES
// elements, m_axis_tlast on the frame's last beat. Rows and columns from floor(H/K)*K and
// floor(W/K)*K on are taken and dropped. pool_window.v keeps the partial maxima of one output row
// ((W/K)*C elements) and of the current window's columns (C elements).
//
// Flow control: a result leaves pool_window.v the cycle after the beat that completes its window
// and enters a 4-entry output FIFO (axis_fifo.v). A beat that completes a window is taken only
// while a FIFO slot is free for it (occ counts results in flight and in the FIFO), so backpressure
// never drops a result; other beats are always taken.
// Cycle behaviour: one input beat per cycle while the output is not stalled, so a frame takes
// H*W*C/LANES cycles and frames stream back to back; a result leaves two cycles after the beat that
// completes its window.
module maxpool #(
    parameter integer H = 4,
    parameter integer W = 4,
    parameter integer C = 2,
    parameter integer K = 2,
    parameter integer LANES = 1,
    parameter integer ELEM_BITS = 8
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
    output wire [LANES*ELEM_BITS-1:0] m_axis_tdata,
    output wire                       m_axis_tlast
);
    localparam integer DW = LANES * ELEM_BITS;
    localparam integer FIFO_DEPTH = 4;

    wire          emit;
    wire          r_valid;
    wire [DW-1:0] r_data;
    wire          r_last;
    reg  [2:0]    occ;

    assign s_axis_tready = !emit || (occ < 3'(FIFO_DEPTH));
    wire in_fire = s_axis_tvalid && s_axis_tready;
    wire pop = m_axis_tvalid && m_axis_tready;

    pool_window #(.H(H), .W(W), .C(C), .KH(K), .KW(K), .LANES(LANES), .IN_BITS(ELEM_BITS),
                  .ACC_BITS(ELEM_BITS), .OP(0)) u_win (
        .clk(clk), .rst(rst), .in_fire(in_fire), .in_data(s_axis_tdata), .emit(emit),
        .out_valid(r_valid), .out_data(r_data), .out_last(r_last));

    always @(posedge clk) begin
        if (rst) occ <= 3'd0;
        else     occ <= occ + ((in_fire && emit) ? 3'd1 : 3'd0) - (pop ? 3'd1 : 3'd0);
    end

    // The FIFO always has room for a result: occ counted it when its last beat was taken.
    /* verilator lint_off UNUSEDSIGNAL */
    wire fifo_ready;
    /* verilator lint_on UNUSEDSIGNAL */
    axis_fifo #(.WIDTH(DW), .DEPTH(FIFO_DEPTH)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(r_valid), .s_axis_tready(fifo_ready), .s_axis_tdata(r_data), .s_axis_tlast(r_last),
        .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tlast(m_axis_tlast));
endmodule
