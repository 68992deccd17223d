// Frame marker, docs/integer-semantics.md §1 and §7: passes an AXI-Stream through unchanged and
// sets tlast on the last of every FRAME_BEATS beats. A conv layer's matrix-vector unit marks the
// end of each pixel's vector; the stream leaving the layer must mark the end of the frame
// (HO*WO*C_out/PE beats), so the generated conv wrapper puts this block behind the MVU.
// Combinational in the data path: valid, ready and data go straight through.
module axis_frame #(
    parameter integer DATA_BITS = 8,
    parameter integer FRAME_BEATS = 4
) (
    input  wire                 clk,
    input  wire                 rst,

    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,
    input  wire [DATA_BITS-1:0] s_axis_tdata,
    // The frame length is fixed, so the beat count, not the incoming tlast, ends a frame.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                 s_axis_tlast,
    /* verilator lint_on UNUSEDSIGNAL */

    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready,
    output wire [DATA_BITS-1:0] m_axis_tdata,
    output wire                 m_axis_tlast
);
    localparam integer CW = (FRAME_BEATS > 1) ? $clog2(FRAME_BEATS) : 1;
    localparam integer LAST_I = FRAME_BEATS - 1;
    localparam [CW-1:0] LAST = LAST_I[CW-1:0];

    reg [CW-1:0] count;

    assign m_axis_tvalid = s_axis_tvalid;
    assign s_axis_tready = m_axis_tready;
    assign m_axis_tdata  = s_axis_tdata;
    assign m_axis_tlast  = (count == LAST);

    always @(posedge clk) begin
        if (rst) count <= {CW{1'b0}};
        else if (s_axis_tvalid && m_axis_tready) count <= (count == LAST) ? {CW{1'b0}} : count + 1'b1;
    end
endmodule
