// Small synchronous AXI-Stream FIFO (first word fall-through). DEPTH is a power of two >= 2.
// s_axis_tready is low only when full; m_axis_tvalid is high whenever a word is held.
module axis_fifo #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 4
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tlast,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready,
    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tlast
);
    localparam integer AW = $clog2(DEPTH);

    reg [WIDTH:0]  mem [0:DEPTH-1];
    reg [AW-1:0]   wr_ptr;
    reg [AW-1:0]   rd_ptr;
    reg [AW:0]     count;

    wire push = s_axis_tvalid && s_axis_tready;
    wire pop  = m_axis_tvalid && m_axis_tready;

    assign s_axis_tready = (count != (AW+1)'(DEPTH));
    assign m_axis_tvalid = (count != {(AW+1){1'b0}});
    assign m_axis_tdata  = mem[rd_ptr][WIDTH-1:0];
    assign m_axis_tlast  = mem[rd_ptr][WIDTH];

    always @(posedge clk) begin
        if (push) mem[wr_ptr] <= {s_axis_tlast, s_axis_tdata};
        if (rst) begin
            wr_ptr <= {AW{1'b0}};
            rd_ptr <= {AW{1'b0}};
            count  <= {(AW+1){1'b0}};
        end else begin
            if (push) wr_ptr <= wr_ptr + 1'b1;
            if (pop)  rd_ptr <= rd_ptr + 1'b1;
            if (push && !pop)      count <= count + 1'b1;
            else if (pop && !push) count <= count - 1'b1;
        end
    end
endmodule
