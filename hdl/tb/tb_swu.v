// Testbench for swu.v: N_FRAME frames of H*W*C elements stream in as beats of SIMD elements; every
// window beat is written to +out. Scaffolding (plusargs +xin +out +seed +pin +pout, stalls, hold
// check, timeout, CYCLES) is tb_common.vh. SwuBlockTests compares the output with SlidingWindow.Im2Col.
module tb_swu;
    parameter integer H = 4;
    parameter integer W = 4;
    parameter integer C = 2;
    parameter integer K = 3;
    parameter integer STRIDE = 1;
    parameter integer PAD = 1;
    parameter integer SIMD = 1;
    parameter integer ELEM_BITS = 8;
    parameter integer ROWS = 0;
    parameter integer N_FRAME = 3;
    parameter integer TIMEOUT = 200000;

    localparam integer HO = (H + 2 * PAD - K) / STRIDE + 1;
    localparam integer WO = (W + 2 * PAD - K) / STRIDE + 1;
    localparam integer TB_IN_LANES = SIMD;
    localparam integer TB_IN_BITS = ELEM_BITS;
    localparam integer TB_FRAME_BEATS = H * W * C / SIMD;
    localparam integer TB_IN_BEATS = N_FRAME * TB_FRAME_BEATS;
    localparam integer TB_OUT_LANES = SIMD;
    localparam integer TB_OUT_BITS = ELEM_BITS;
    localparam integer TB_OUT_BEATS = N_FRAME * HO * WO * K * K * C / SIMD;

`include "tb_common.vh"

    swu #(.H(H), .W(W), .C(C), .K(K), .STRIDE(STRIDE), .PAD(PAD), .SIMD(SIMD), .ELEM_BITS(ELEM_BITS), .ROWS(ROWS)) dut (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tdata(s_data), .s_axis_tlast(s_last),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data), .m_axis_tlast(m_last));
endmodule
