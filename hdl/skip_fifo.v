// AXI-Stream FIFO for the skip branch of a residual block (docs/integer-semantics.md §10), first word
// fall-through, tlast carried. It holds EXACTLY DEPTH beats when full, for any DEPTH >= 1 (not only
// powers of two): a register COUNT holds the beats taken and not yet emitted, counting every place a
// beat can be (the RAM and the output register), and
//   s_axis_tready = COUNT < DEPTH,   m_axis_tvalid = a beat is at the output.
// COUNT is updated at the clock edge, so s_axis_tready does not depend on m_axis_tready in the same
// cycle: a full FIFO takes its next beat in the cycle after a beat leaves.
//
// RAM_STYLE picks the storage; the capacity and the order are the same for each. LATENCY is the
// fewest edges from taking a beat to emitting it: a beat taken at edge t by an empty FIFO is offered
// from edge t + LATENCY - 1 and, with m_axis_tready high, leaves at edge t + LATENCY.
//   "distributed"  DEPTH words of asynchronously read memory, (* ram_style = "distributed" *): LUTRAM.
//                  m_axis_tdata is read from the head word. LATENCY 1.
//   "registers"    the same structure with (* ram_style = "registers" *): flip-flops. LATENCY 1.
//   "block"        DEPTH words of synchronously read memory, (* ram_style = "block" *): block RAM. The
//                  RAM's read register is the output register (the prefetch of a first-word
//                  fall-through FIFO): it is loaded from the head word whenever it is empty or being
//                  emitted. LATENCY 2: written at t, read into the output register at t + 1. A word
//                  leaves the RAM when it is read, so a read never meets a write to the same word
//                  (that would need DEPTH words in the RAM and one in the output register).
// Throughput: one beat per cycle in and out when DEPTH > LATENCY; a shallower FIFO moves DEPTH beats
// every LATENCY + 1 cycles.
module skip_fifo #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 4,
    parameter [8*11-1:0] RAM_STYLE = "distributed"  // up to 11 characters
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
    localparam integer AW = DEPTH > 1 ? $clog2(DEPTH) : 1;
    localparam integer CW = $clog2(DEPTH + 1);
    localparam [AW-1:0] LAST = AW'(DEPTH - 1);

    initial begin
        if (DEPTH < 1) begin
            $display("FATAL: skip_fifo: DEPTH = %0d, must be at least 1", DEPTH);
            $finish;
        end
        if (RAM_STYLE != "block" && RAM_STYLE != "distributed" && RAM_STYLE != "registers") begin
            $display("FATAL: skip_fifo: RAM_STYLE = %0s, must be block, distributed or registers", RAM_STYLE);
            $finish;
        end
    end

    reg  [CW-1:0] count;
    reg  [AW-1:0] wr_ptr;
    reg  [AW-1:0] rd_ptr;
    wire          push = s_axis_tvalid && s_axis_tready;
    wire          pop  = m_axis_tvalid && m_axis_tready;

    assign s_axis_tready = count != CW'(DEPTH);

    always @(posedge clk) begin
        if (rst) begin
            count  <= {CW{1'b0}};
            wr_ptr <= {AW{1'b0}};
        end else begin
            count <= count + CW'(push) - CW'(pop);
            if (push) wr_ptr <= wr_ptr == LAST ? {AW{1'b0}} : wr_ptr + 1'b1;
        end
    end

    generate
        if (RAM_STYLE == "block") begin : bram
            (* ram_style = "block" *) reg [WIDTH:0] mem [0:DEPTH-1];
            reg [WIDTH:0] dout;
            reg           dout_valid;
            reg [CW-1:0]  ram_n;   // words written and not yet read into dout
            wire          rd_en = ram_n != {CW{1'b0}} && (!dout_valid || pop);

            assign m_axis_tvalid = dout_valid;
            assign m_axis_tdata  = dout[WIDTH-1:0];
            assign m_axis_tlast  = dout[WIDTH];

            always @(posedge clk) begin
                if (push)  mem[wr_ptr] <= {s_axis_tlast, s_axis_tdata};
                if (rd_en) dout <= mem[rd_ptr];
            end
            always @(posedge clk) begin
                if (rst) begin
                    rd_ptr     <= {AW{1'b0}};
                    ram_n      <= {CW{1'b0}};
                    dout_valid <= 1'b0;
                end else begin
                    ram_n <= ram_n + CW'(push) - CW'(rd_en);
                    if (rd_en) rd_ptr <= rd_ptr == LAST ? {AW{1'b0}} : rd_ptr + 1'b1;
                    if (rd_en)    dout_valid <= 1'b1;
                    else if (pop) dout_valid <= 1'b0;
                end
            end
        end else begin : lutram
            wire [WIDTH:0] head;
            if (RAM_STYLE == "registers") begin : ff
                (* ram_style = "registers" *) reg [WIDTH:0] mem [0:DEPTH-1];
                always @(posedge clk) if (push) mem[wr_ptr] <= {s_axis_tlast, s_axis_tdata};
                assign head = mem[rd_ptr];
            end else begin : lut
                (* ram_style = "distributed" *) reg [WIDTH:0] mem [0:DEPTH-1];
                always @(posedge clk) if (push) mem[wr_ptr] <= {s_axis_tlast, s_axis_tdata};
                assign head = mem[rd_ptr];
            end

            assign m_axis_tvalid = count != {CW{1'b0}};
            assign m_axis_tdata  = head[WIDTH-1:0];
            assign m_axis_tlast  = head[WIDTH];

            always @(posedge clk) begin
                if (rst)      rd_ptr <= {AW{1'b0}};
                else if (pop) rd_ptr <= rd_ptr == LAST ? {AW{1'b0}} : rd_ptr + 1'b1;
            end
        end
    endgenerate
endmodule
