// Residual add, docs/integer-semantics.md §9. Joins stream a (the main branch) and stream b (the
// shortcut): it takes one beat of each together, LANES elements each (element i at [i*BITS +: BITS]),
// and emits one beat of LANES results,
//   y_i = clamp(rshift_round(a_i * M_A + b_i * M_B, SHIFT), LO, HI),
// with tlast taken from a. Mirrors QuantHdl.Arithmetic.AddMath.Apply. The sum is exact in SUM_BITS
// signed bits (the compiler's AddMath.SumBits); rshift_round(s, k) is computed as
// (s >>> k) + s[k-1], which equals floor((s + 2^(k-1)) / 2^k) and cannot overflow (for k >= SUM_BITS
// both terms come from the sign bit and the result is 0, as it must be).
//
// Pipeline and flow control. A pair of beats is taken at edge t (s_a and s_b handshake together), its
// exact sums are registered there; the rounded, clamped results are written at edge t + 1 into a
// 3-entry output queue whose head drives m_axis (registers, first word fall-through). So a result is
// offered from edge t + 1 and, with m_axis_tready high, leaves at edge t + 2 (AddMath.UnitLatency = 2).
// The unit counts the pairs it holds (taken, not yet emitted) in a register, HELD, and takes a pair
// exactly when HELD < 3 (and both inputs are valid). So:
//   - with m_axis_tready held low it takes exactly 3 beats of a and 3 beats of b, then stops
//     (AddMath.UnitBeatsHeld = 3; ResidualBlockTests checks it);
//   - with m_axis_tready high it takes a pair every cycle (HELD stays at 2: one pair in the sum
//     register, one at the head of the queue);
//   - s_*_tready does not depend on m_axis_tready (no combinational path); s_a_axis_tready depends on
//     s_b_axis_tvalid and s_b_axis_tready on s_a_axis_tvalid, as a join's must.
module residual_add #(
    parameter integer LANES = 1,
    parameter integer A_BITS = 8,
    parameter integer A_SIGNED = 1,
    parameter integer B_BITS = 8,
    parameter integer B_SIGNED = 0,
    parameter integer MULT_BITS = 16,
    parameter [63:0] M_A = 64'd32768,
    parameter [63:0] M_B = 64'd32768,
    parameter integer SHIFT = 16,
    parameter integer SUM_BITS = 25,
    parameter integer OUT_BITS = 8,
    parameter signed [63:0] LO = 64'sd0,
    parameter signed [63:0] HI = 64'sd255
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire                      s_a_axis_tvalid,
    output wire                      s_a_axis_tready,
    input  wire [LANES*A_BITS-1:0]   s_a_axis_tdata,
    input  wire                      s_a_axis_tlast,
    input  wire                      s_b_axis_tvalid,
    output wire                      s_b_axis_tready,
    input  wire [LANES*B_BITS-1:0]   s_b_axis_tdata,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                      s_b_axis_tlast,   // the frame's end is taken from a
    /* verilator lint_on UNUSEDSIGNAL */
    output wire                      m_axis_tvalid,
    input  wire                      m_axis_tready,
    output wire [LANES*OUT_BITS-1:0] m_axis_tdata,
    output wire                      m_axis_tlast
);
    localparam integer CAP = 3;
    // The bit of the sum that decides the rounding: bit SHIFT-1, or the sign bit beyond the sum.
    localparam integer RBIT = (SHIFT - 1 < SUM_BITS - 1) ? SHIFT - 1 : SUM_BITS - 1;

    initial begin
        if (SHIFT < 1 || SHIFT > 62) begin
            $display("FATAL: residual_add: SHIFT = %0d is outside 1..62", SHIFT);
            $finish;
        end
        if (SUM_BITS < 2 || SUM_BITS > 64) begin
            $display("FATAL: residual_add: SUM_BITS = %0d is outside 2..64", SUM_BITS);
            $finish;
        end
        if (MULT_BITS < 1 || MULT_BITS > 32 || (M_A >> MULT_BITS) != 0 || (M_B >> MULT_BITS) != 0) begin
            $display("FATAL: residual_add: M_A = %0d, M_B = %0d do not fit MULT_BITS = %0d", M_A, M_B, MULT_BITS);
            $finish;
        end
    end

    reg  [1:0] held;          // pairs taken and not yet emitted, 0..CAP
    wire       space = held != 2'(CAP);
    wire       take  = s_a_axis_tvalid && s_b_axis_tvalid && space;
    wire       pop   = m_axis_tvalid && m_axis_tready;

    assign s_a_axis_tready = s_b_axis_tvalid && space;
    assign s_b_axis_tready = s_a_axis_tvalid && space;

    // Stage 1: the exact sums. Every product and the sum fit SUM_BITS (§9 bound), so SUM_BITS-bit
    // two's complement arithmetic gives them exactly.
    wire signed [SUM_BITS-1:0] ma_s = $signed(SUM_BITS'(M_A));
    wire signed [SUM_BITS-1:0] mb_s = $signed(SUM_BITS'(M_B));
    reg                        sum_valid;
    reg                        sum_last;
    reg  [LANES*SUM_BITS-1:0]  sums;

    wire [LANES*OUT_BITS-1:0] y_next;

    genvar i;
    generate
        for (i = 0; i < LANES; i = i + 1) begin : lane
            wire [A_BITS-1:0] a_raw = s_a_axis_tdata[i*A_BITS +: A_BITS];
            wire [B_BITS-1:0] b_raw = s_b_axis_tdata[i*B_BITS +: B_BITS];
            // With a zero multiplier SUM_BITS may be narrower than an input; its product is 0 anyway.
            /* verilator lint_off UNUSEDSIGNAL */
            wire signed [A_BITS:0] a_ext = A_SIGNED != 0 ? $signed({a_raw[A_BITS-1], a_raw}) : $signed({1'b0, a_raw});
            wire signed [B_BITS:0] b_ext = B_SIGNED != 0 ? $signed({b_raw[B_BITS-1], b_raw}) : $signed({1'b0, b_raw});
            /* verilator lint_on UNUSEDSIGNAL */
            wire signed [SUM_BITS-1:0] a_s = SUM_BITS'(a_ext);
            wire signed [SUM_BITS-1:0] b_s = SUM_BITS'(b_ext);
            always @(posedge clk) if (take) sums[i*SUM_BITS +: SUM_BITS] <= a_s * ma_s + b_s * mb_s;

            // Stage 2: round half up, saturate.
            wire signed [SUM_BITS-1:0] s = sums[i*SUM_BITS +: SUM_BITS];
            wire signed [SUM_BITS-1:0] q = (s >>> SHIFT) + $signed({{(SUM_BITS-1){1'b0}}, s[RBIT]});
            wire signed [63:0] wide = 64'(q);
            /* verilator lint_off UNUSEDSIGNAL */
            wire signed [63:0] clamped = (wide < LO) ? LO : ((wide > HI) ? HI : wide);
            /* verilator lint_on UNUSEDSIGNAL */
            assign y_next[i*OUT_BITS +: OUT_BITS] = OUT_BITS'(clamped);
        end
    endgenerate

    always @(posedge clk) begin
        if (take) sum_last <= s_a_axis_tlast;
        if (rst) sum_valid <= 1'b0;
        else     sum_valid <= take;
    end

    // Output queue: CAP entries of registers. HELD counts the sum register and the queue, so the
    // queue never overflows: it holds at most HELD - sum_valid entries.
    reg [LANES*OUT_BITS:0] q_mem [0:CAP-1];
    reg [1:0]              q_wr, q_rd, q_n;
    assign m_axis_tvalid = q_n != 2'd0;
    assign m_axis_tdata  = q_mem[q_rd][LANES*OUT_BITS-1:0];
    assign m_axis_tlast  = q_mem[q_rd][LANES*OUT_BITS];

    always @(posedge clk) begin
        if (sum_valid) q_mem[q_wr] <= {sum_last, y_next};
        if (rst) begin
            held <= 2'd0;
            q_wr <= 2'd0;
            q_rd <= 2'd0;
            q_n  <= 2'd0;
        end else begin
            held <= held + 2'(take) - 2'(pop);
            q_n  <= q_n + 2'(sum_valid) - 2'(pop);
            if (sum_valid) q_wr <= q_wr == 2'(CAP - 1) ? 2'd0 : q_wr + 2'd1;
            if (pop)       q_rd <= q_rd == 2'(CAP - 1) ? 2'd0 : q_rd + 2'd1;
        end
    end
endmodule
