// Testbench for maxpool.v: N_FRAME frames of H*W*C codes stream in as beats of LANES elements; every
// output beat is written to +out. Scaffolding (plusargs +xin +out +seed +pin +pout, stalls, hold
// check, timeout, CYCLES) is tb_common.vh. PoolBlockTests compares the output with MaxPoolKernel.MaxPool.
module tb_maxpool;
    parameter integer H = 4;
    parameter integer W = 4;
    parameter integer C = 2;
    parameter integer K = 2;
    parameter integer LANES = 1;
    parameter integer ELEM_BITS = 8;
    parameter integer N_FRAME = 3;
    parameter integer TIMEOUT = 200000;

    localparam integer TB_IN_LANES = LANES;
    localparam integer TB_IN_BITS = ELEM_BITS;
    localparam integer TB_FRAME_BEATS = H * W * C / LANES;
    localparam integer TB_IN_BEATS = N_FRAME * TB_FRAME_BEATS;
    localparam integer TB_OUT_LANES = LANES;
    localparam integer TB_OUT_BITS = ELEM_BITS;
    localparam integer TB_OUT_BEATS = N_FRAME * (H / K) * (W / K) * C / LANES;

`include "tb_common.vh"

    maxpool #(.H(H), .W(W), .C(C), .K(K), .LANES(LANES), .ELEM_BITS(ELEM_BITS)) dut (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tdata(s_data), .s_axis_tlast(s_last),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data), .m_axis_tlast(m_last));
endmodule
