// AXI-Stream data-width converter for the element streams of docs/integer-semantics.md §1 and §6:
// IN_LANES elements of ELEM_BITS per input beat in, OUT_LANES elements per output beat out, any
// ratio. Element order is kept (element i of a beat at bits [i*ELEM_BITS +: ELEM_BITS]); tlast is
// set on the last output beat of every VEC_LEN-element vector. VEC_LEN must be a multiple of both
// IN_LANES and OUT_LANES (the emitter's validator checks this), so no output beat straddles two
// vectors and the input tlast carries no extra information.
//
// The buffer works in units of G = gcd(IN_LANES, OUT_LANES) elements, MU = IN_LANES/G units per
// input beat and NU = OUT_LANES/G per output beat; cnt units are valid, oldest at the bottom. An
// output beat is the bottom NU units; on output the rest shift down by NU. An input beat is written
// just above the units that remain after this cycle's output. s_axis_tready = (cnt < MU + NU) and
// m_axis_tvalid = (cnt >= NU) depend on registers only, so the buffer needs CAP = 2*MU + NU - 1
// units for the case where an input is taken and no output leaves. That threshold lets the wider
// side move one beat per cycle when the other side does not stall: going up, cnt never exceeds
// MU + NU - 1 before an input; going down, an input is taken whenever fewer than 2*NU units are
// left, so an output beat is ready every cycle. A held output beat stays stable until it is taken,
// since writes only land above it.
module axis_dwc #(
    parameter integer IN_LANES = 2,
    parameter integer OUT_LANES = 4,
    parameter integer ELEM_BITS = 8,
    parameter integer VEC_LEN = 8
) (
    input  wire                           clk,
    input  wire                           rst,

    input  wire                           s_axis_tvalid,
    output wire                           s_axis_tready,
    input  wire [IN_LANES*ELEM_BITS-1:0]  s_axis_tdata,
    // The vector length is fixed, so the beat count, not tlast, ends a vector.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                           s_axis_tlast,
    /* verilator lint_on UNUSEDSIGNAL */

    output wire                           m_axis_tvalid,
    input  wire                           m_axis_tready,
    output wire [OUT_LANES*ELEM_BITS-1:0] m_axis_tdata,
    output wire                           m_axis_tlast
);
    function automatic integer gcd(input integer a, input integer b);
        integer x, y, t;
        begin
            x = a;
            y = b;
            while (y != 0) begin
                t = x % y;
                x = y;
                y = t;
            end
            gcd = x;
        end
    endfunction

    localparam integer G = gcd(IN_LANES, OUT_LANES);
    localparam integer UB = G * ELEM_BITS;               // bits per unit
    localparam integer MU = IN_LANES / G;                // units per input beat
    localparam integer NU = OUT_LANES / G;               // units per output beat
    localparam integer CAP = 2 * MU + NU - 1;            // buffer units
    localparam integer CW = $clog2(CAP + 1);
    localparam integer OBEATS = VEC_LEN / OUT_LANES;
    localparam integer OB_W = (OBEATS > 1) ? $clog2(OBEATS) : 1;

    reg  [CAP*UB-1:0] buffer;
    reg  [CW-1:0]     cnt;
    reg  [OB_W-1:0]   obeat;

    wire in_fire  = s_axis_tvalid && s_axis_tready;
    wire out_fire = m_axis_tvalid && m_axis_tready;
    // Units left after this cycle's output; the input beat lands at this offset (< MU + NU when ready).
    wire [CW-1:0] base = out_fire ? cnt - CW'(NU) : cnt;

    assign s_axis_tready = (cnt < CW'(MU + NU));
    assign m_axis_tvalid = (cnt >= CW'(NU));
    assign m_axis_tdata  = buffer[OUT_LANES*ELEM_BITS-1:0];
    assign m_axis_tlast  = (obeat == OB_W'(OBEATS - 1));

    reg [CAP*UB-1:0] next;
    always @* begin
        next = out_fire ? (buffer >> (NU*UB)) : buffer;
        if (in_fire) next[32'(base)*UB +: MU*UB] = s_axis_tdata;
    end

    always @(posedge clk) begin
        buffer <= next;
        if (rst) begin
            cnt   <= {CW{1'b0}};
            obeat <= {OB_W{1'b0}};
        end else begin
            cnt <= base + (in_fire ? CW'(MU) : {CW{1'b0}});
            if (out_fire) obeat <= (obeat == OB_W'(OBEATS - 1)) ? {OB_W{1'b0}} : obeat + 1'b1;
        end
    end
endmodule
