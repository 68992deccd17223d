// Testbench for axis_dwc.v: N_VEC vectors of VEC_LEN elements stream in as beats of IN_LANES
// elements; every output beat of OUT_LANES elements is written to +out. Scaffolding (plusargs +xin
// +out +seed +pin +pout, random stalls, the AXI-Stream hold check, the timeout, CYCLES) is
// tb_common.vh. DwcBlockTests compares the output with the regrouped input.
module tb_axis_dwc;
    parameter integer IN_LANES = 2;
    parameter integer OUT_LANES = 4;
    parameter integer ELEM_BITS = 8;
    parameter integer VEC_LEN = 8;
    parameter integer N_VEC = 4;
    parameter integer TIMEOUT = 100000;

    localparam integer TB_IN_LANES = IN_LANES;
    localparam integer TB_IN_BITS = ELEM_BITS;
    localparam integer TB_FRAME_BEATS = VEC_LEN / IN_LANES;
    localparam integer TB_IN_BEATS = N_VEC * TB_FRAME_BEATS;
    localparam integer TB_OUT_LANES = OUT_LANES;
    localparam integer TB_OUT_BITS = ELEM_BITS;
    localparam integer TB_OUT_BEATS = N_VEC * VEC_LEN / OUT_LANES;

`include "tb_common.vh"

    axis_dwc #(.IN_LANES(IN_LANES), .OUT_LANES(OUT_LANES), .ELEM_BITS(ELEM_BITS), .VEC_LEN(VEC_LEN)) dut (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tdata(s_data), .s_axis_tlast(s_last),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data), .m_axis_tlast(m_last));
endmodule
