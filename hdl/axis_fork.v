// Eager AXI-Stream fork, docs/integer-semantics.md §10: every one of the N branches receives every
// beat of the input, unchanged and in order. Each branch takes the current beat independently; a
// register bit done[j] remembers that branch j has taken it, so m_axis_tvalid[j] = s_axis_tvalid &&
// !done[j]. The input beat retires (s_axis_tready high) in the cycle in which every branch has taken it
// or is taking it; then every done bit clears. The fork stores no beat: the done bits are its only
// state, so it holds 0 beats, and a branch can run ahead of another only by what the FIFO behind the
// slower branch holds. s_axis_tready depends combinationally on every m_axis_tready; tdata and tlast
// are wires to every branch.
module axis_fork #(
    parameter integer N = 2,
    parameter integer WIDTH = 8
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               s_axis_tvalid,
    output wire               s_axis_tready,
    input  wire [WIDTH-1:0]   s_axis_tdata,
    input  wire               s_axis_tlast,
    output wire [N-1:0]       m_axis_tvalid,
    input  wire [N-1:0]       m_axis_tready,
    output wire [N*WIDTH-1:0] m_axis_tdata,
    output wire [N-1:0]       m_axis_tlast
);
    initial begin
        if (N < 2) begin
            $display("FATAL: axis_fork: N = %0d, must be at least 2", N);
            $finish;
        end
    end

    reg  [N-1:0] done;
    wire [N-1:0] has = done | m_axis_tready;   // branches that have the beat after this edge

    assign s_axis_tready = &has;
    assign m_axis_tvalid = {N{s_axis_tvalid}} & ~done;
    assign m_axis_tdata  = {N{s_axis_tdata}};
    assign m_axis_tlast  = {N{s_axis_tlast}};

    always @(posedge clk) begin
        if (rst)                                  done <= {N{1'b0}};
        else if (s_axis_tvalid && s_axis_tready)  done <= {N{1'b0}};
        else                                      done <= done | (m_axis_tvalid & m_axis_tready);
    end
endmodule
