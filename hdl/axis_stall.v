// AXI-Stream pass-through that stalls in bursts. The verification build (QH_STALLS) puts one on the
// input edge of every layer so that every internal handshake sees backpressure; the synthesized
// design has none.
//
// A two-state chain decides each cycle: from "free" it enters "stalling" with probability enter/256,
// from "stalling" it returns to "free" with probability (leave+1)/256, so a burst lasts 256/(leave+1)
// cycles on average and never forever. The random numbers come from a 32-bit xorshift
// (x ^= x << 13; x ^= x >> 17; x ^= x << 5) seeded with `seed` during reset (0 is replaced by 1, a
// xorshift state must not be 0). enter = 0 makes the block a wire.
//
// While stalling, valid is hidden from the consumer and ready from the producer: no beat passes and
// the producer sees valid high with ready low. AXI-Stream forbids dropping a valid that the consumer
// has seen but not taken, so a stall may not start in the cycle after such a beat ("pending"); the
// beat passes first. Data and tlast are wires, and both sides always see the same handshake.
module axis_stall #(
    parameter integer DATA_BITS = 8
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire [31:0]          seed,
    input  wire [7:0]           enter,
    input  wire [7:0]           leave,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,
    input  wire [DATA_BITS-1:0] s_axis_tdata,
    input  wire                 s_axis_tlast,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready,
    output wire [DATA_BITS-1:0] m_axis_tdata,
    output wire                 m_axis_tlast
);
    reg [31:0] state;
    reg        stalling;
    reg        pending;

    wire [31:0] x1 = state ^ (state << 13);
    wire [31:0] x2 = x1 ^ (x1 >> 17);
    wire [31:0] x3 = x2 ^ (x2 << 5);
    wire        block = stalling && !pending;

    assign m_axis_tvalid = s_axis_tvalid && !block;
    assign s_axis_tready = m_axis_tready && !block;
    assign m_axis_tdata  = s_axis_tdata;
    assign m_axis_tlast  = s_axis_tlast;

    always @(posedge clk) begin
        if (rst) begin
            state    <= seed == 32'd0 ? 32'd1 : seed;
            stalling <= 1'b0;
            pending  <= 1'b0;
        end else begin
            state    <= x3;
            pending  <= m_axis_tvalid && !m_axis_tready;
            stalling <= stalling ? !(x3[7:0] <= leave) : (x3[15:8] < enter);
        end
    end
endmodule
