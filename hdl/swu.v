// Sliding-window unit, docs/integer-semantics.md §1 and §7: turns a spatial stream into the window
// vectors a convolution multiplies, for the matrix-vector unit (mvu.v) behind it.
//
// Input: one frame of H x W pixels of C channels in (y, x, c) order, channels fastest, as
// H*W*CB beats of SIMD elements (CB = C/SIMD; element i of a beat at bits [i*ELEM_BITS +: ELEM_BITS]).
// The frame size is fixed, so the beat count, not s_axis_tlast, ends a frame.
// Output: for each output pixel (oy, ox) in row-major order, HO = (H + 2*PAD - K)/STRIDE + 1 rows
// and WO likewise, the window of K*K*C elements in (ky, kx, c) order as K*K*CB beats of SIMD
// elements: element x[oy*STRIDE + ky - PAD][ox*STRIDE + kx - PAD][c], or the zero code where that
// position is outside the frame. m_axis_tlast is high on the last beat of the last window of a
// frame. Depthwise and grouped convolutions use the same windows (their zero weights are in the
// MVU ROM). Rows and columns that no window reaches (when H + 2*PAD - K is not a multiple of
// STRIDE) are read and dropped. Requires 0 <= PAD <= K - 1 and K <= H + 2*PAD (the C# validator
// checks both).
//
// Line buffer: a circular buffer of R rows (ROWS, at least min(K + STRIDE, H), at most H) of W*CB words of SIMD elements, a
// simple dual-port RAM (one synchronous write port, one synchronous read port) that synthesis maps
// to LUTRAM or BRAM. Input beat number g of the stream (counted across frames) goes to word
// g mod (R*W*CB), so global row n (frame f, row y: n = f*H + y) lives in slot n mod R.
//
// Flow control. The reader walks (oy, ox, ky, kx, cb) and issues one beat per cycle when
//   - the input beat it needs has been written: the writer is a frame ahead, or in the same frame
//     past that beat; or the position is padding (no read; the beat is the zero code) and the
//     frame has begun to arrive, so no beat of a frame leaves before the frame's first input; and
//   - the output holds a free slot (a credit for the 4-entry output FIFO, axis_fifo.v, which
//     absorbs the one-cycle RAM read latency while m_axis_tready is low).
// The lowest row the reader still needs is lo = max(0, oy*STRIDE - PAD) of its frame (H, i.e. row 0
// of the next frame, once the frame's last beat is issued). lead = (global row of the writer) -
// (global lo) lets the writer take a beat only while lead < R, so it never overwrites a row in
// use; the reader needs at most min(K, H) <= R rows at a time, so neither side waits on the other
// forever. The write and the read of one cycle never hit the same word (the reader reads only
// words written before, in the R rows above the writer), so the RAM needs no bypass. Because
// R <= H, the writer is at most one frame ahead of the reader and at most one behind.
//
// Cycle behaviour (OB = HO*WO*K*K*CB output and IB = H*W*CB input beats per frame). The reader
// issues one output beat per cycle while its rows are present and the output is not stalled; the
// output lags the issue by two cycles (RAM read, FIFO). The writer takes one input beat per cycle
// while lead < R, so it runs up to STRIDE rows ahead of the rows the current output row needs, and
// across a frame boundary it fills the next frame's first rows while the reader finishes the last
// output row. The first output beat leaves three cycles after the frame's first input beat (or
// after the frame starts, for a padding beat), and the first window ends three cycles after
// input beat ((K-1-PAD)*W + K-PAD)*CB arrives. With no stalls, N frames back to back take
//   N * max(OB, IB) + (a few cycles per frame where the writer or the reader waits)
// cycles, and at most N * (max(OB, IB) + (K - PAD)*W*CB) + 8 (SwuBlockTests checks this bound;
// measured: 679 cycles for 3 frames of 5x5x1, K = 3, PAD = 1, where 3*OB = 675).
module swu #(
    parameter integer H = 4,
    parameter integer W = 4,
    parameter integer C = 2,
    parameter integer K = 3,
    parameter integer STRIDE = 1,
    parameter integer PAD = 1,
    parameter integer SIMD = 1,
    parameter integer ELEM_BITS = 8,
    // Rows of the line buffer; 0 takes the smallest, min(K + STRIDE, H). More rows, up to H (a frame
    // buffer), let the writer run further ahead, so a slower consumer downstream does not hold the
    // producer upstream: the C# emitter chooses (docs/integer-semantics.md §7).
    parameter integer ROWS = 0
) (
    input  wire                      clk,
    input  wire                      rst,

    input  wire                      s_axis_tvalid,
    output wire                      s_axis_tready,
    input  wire [SIMD*ELEM_BITS-1:0] s_axis_tdata,
    // The frame size is fixed, so the beat count, not tlast, ends a frame.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                      s_axis_tlast,
    /* verilator lint_on UNUSEDSIGNAL */

    output wire                      m_axis_tvalid,
    input  wire                      m_axis_tready,
    output wire [SIMD*ELEM_BITS-1:0] m_axis_tdata,
    output wire                      m_axis_tlast
);
    localparam integer CB = C / SIMD;                              // beats per pixel
    localparam integer HO = (H + 2 * PAD - K) / STRIDE + 1;
    localparam integer WO = (W + 2 * PAD - K) / STRIDE + 1;
    localparam integer R_MIN = (K + STRIDE < H) ? K + STRIDE : H;
    localparam integer R = (ROWS > 0) ? ROWS : R_MIN;             // rows in the line buffer
    localparam integer ROW_WORDS = W * CB;
    localparam integer WORDS = R * ROW_WORDS;
    localparam integer AW = (WORDS > 1) ? $clog2(WORDS) : 1;
    localparam integer DW = SIMD * ELEM_BITS;
    localparam integer CBW = (CB > 1) ? $clog2(CB) : 1;
    localparam integer RW = (R > 1) ? $clog2(R) : 1;
    // One signed width for coordinates, lead and lo: -PAD .. H + PAD + STRIDE and -H .. R fit.
    localparam integer NMAX = ((H > W) ? H : W) + K + STRIDE + PAD + R;
    localparam integer SW = $clog2(NMAX + 1) + 1;
    // Slot offsets, reduced mod R so one conditional subtract wraps a sum of two.
    localparam integer S_MOD = STRIDE % R;
    localparam integer H_MOD = H % R;
    localparam integer SLOT0 = (R - (PAD % R)) % R;                // slot of row -PAD of frame 0
    localparam integer FIFO_DEPTH = 4;

    // Parameters the C# validator rejects; a bench or a synthesis run with them stops here.
    generate
        if (PAD < 0 || PAD >= K || K > H + 2 * PAD || K > W + 2 * PAD || STRIDE < 1 || SIMD < 1 || C % SIMD != 0 || R < R_MIN || R > H) begin : g_bad
            initial begin
                $display("FATAL: swu: %0dx%0dx%0d, K = %0d, STRIDE = %0d, PAD = %0d, SIMD = %0d, ROWS = %0d is not supported; need 0 <= PAD < K <= H + 2*PAD and W + 2*PAD, SIMD | C, min(K + STRIDE, H) <= ROWS <= H",
                         H, W, C, K, STRIDE, PAD, SIMD, R);
                $finish;
            end
        end
    endgenerate

    function automatic [RW-1:0] slot_add(input [RW-1:0] a, input integer b);
        integer s;
        begin
            s = 32'(a) + b;
            slot_add = RW'((s >= R) ? s - R : s);
        end
    endfunction

    // ------------------------------------------------------------------ line buffer
    reg  [DW-1:0] mem [0:WORDS-1];
    reg  [DW-1:0] rdata;

    // ------------------------------------------------------------------ writer
    reg  [AW-1:0]        waddr;
    reg  [CBW-1:0]       wcb;
    reg  signed [SW-1:0] wx;
    reg  signed [SW-1:0] wy;
    reg  signed [SW-1:0] lead;
    reg  signed [1:0]    ahead;          // writer frame minus reader frame: -1, 0 or 1

    assign s_axis_tready = (lead < SW'(R));
    wire in_fire   = s_axis_tvalid && s_axis_tready;
    wire wrow_end  = (wcb == CBW'(CB - 1)) && (wx == SW'(W - 1));
    wire wrow_done = in_fire && wrow_end;
    wire wframe_done = wrow_done && (wy == SW'(H - 1));

    always @(posedge clk) begin
        if (in_fire) mem[waddr] <= s_axis_tdata;
    end

    always @(posedge clk) begin
        if (rst) begin
            waddr <= {AW{1'b0}};
            wcb   <= {CBW{1'b0}};
            wx    <= {SW{1'b0}};
            wy    <= {SW{1'b0}};
        end else if (in_fire) begin
            waddr <= (waddr == AW'(WORDS - 1)) ? {AW{1'b0}} : waddr + 1'b1;
            if (wcb != CBW'(CB - 1)) begin
                wcb <= wcb + 1'b1;
            end else begin
                wcb <= {CBW{1'b0}};
                if (wx != SW'(W - 1)) begin
                    wx <= wx + 1'b1;
                end else begin
                    wx <= {SW{1'b0}};
                    wy <= (wy == SW'(H - 1)) ? {SW{1'b0}} : wy + 1'b1;
                end
            end
        end
    end

    // ------------------------------------------------------------------ reader
    reg  signed [SW-1:0] oy, ox, ky, kx;
    reg  [CBW-1:0]       cb;
    reg  signed [SW-1:0] iy_top;         // oy*STRIDE - PAD
    reg  signed [SW-1:0] ix_top;         // ox*STRIDE - PAD
    reg  signed [SW-1:0] lo;             // max(0, iy_top)
    reg  [RW-1:0]        fbase;          // slot of row -PAD of the reader's frame
    reg  [RW-1:0]        slot_top;       // slot of row iy_top
    reg  [RW-1:0]        slot_cur;       // slot of row iy_top + ky
    reg  [2:0]           occ;            // beats in flight plus beats in the output FIFO

    wire signed [SW-1:0] iy = iy_top + ky;
    wire signed [SW-1:0] ix = ix_top + kx;
    wire in_frame = (iy >= 0) && (iy < SW'(H)) && (ix >= 0) && (ix < SW'(W));
    wire written = (ahead == 2'sd1) ||
                   ((ahead == 2'sd0) && ((iy < wy) || ((iy == wy) && ((ix < wx) || ((ix == wx) && (cb < wcb))))));

    wire last_cb = (cb == CBW'(CB - 1));
    wire last_kx = (kx == SW'(K - 1));
    wire last_ky = (ky == SW'(K - 1));
    wire last_ox = (ox == SW'(WO - 1));
    wire last_oy = (oy == SW'(HO - 1));
    wire win_end = last_cb && last_kx && last_ky;
    wire row_end = win_end && last_ox;
    wire frame_end = row_end && last_oy;

    wire fifo_pop;
    // A padding beat waits until its frame has begun to arrive, so no output of a frame leaves
    // before its first input beat (the writer at beat 0 of the reader's frame has not begun it).
    wire started = (ahead == 2'sd1) ||
                   ((ahead == 2'sd0) && ((wy != 0) || (wx != 0) || (wcb != {CBW{1'b0}})));
    wire issue = (in_frame ? written : started) && (occ < 3'(FIFO_DEPTH)) && !rst;
    wire rframe_done = issue && frame_end;

    // Reader's lo moves by dec rows when it leaves an output row.
    wire signed [SW-1:0] next_top = iy_top + SW'(STRIDE);
    wire signed [SW-1:0] next_lo  = (next_top > 0) ? next_top : {SW{1'b0}};
    wire signed [SW-1:0] dec = !(issue && row_end) ? {SW{1'b0}}
                             : last_oy ? SW'(H) - lo : next_lo - lo;

    wire [AW-1:0] rd_addr = AW'(32'(slot_cur) * ROW_WORDS + 32'(ix) * CB + 32'(cb));

    always @(posedge clk) begin
        if (issue && in_frame) rdata <= mem[rd_addr];
    end

    always @(posedge clk) begin
        if (rst) begin
            oy       <= {SW{1'b0}};
            ox       <= {SW{1'b0}};
            ky       <= {SW{1'b0}};
            kx       <= {SW{1'b0}};
            cb       <= {CBW{1'b0}};
            iy_top   <= -SW'(PAD);
            ix_top   <= -SW'(PAD);
            lo       <= {SW{1'b0}};
            fbase    <= RW'(SLOT0);
            slot_top <= RW'(SLOT0);
            slot_cur <= RW'(SLOT0);
        end else if (issue) begin
            if (!last_cb) begin
                cb <= cb + 1'b1;
            end else begin
                cb <= {CBW{1'b0}};
                if (!last_kx) begin
                    kx <= kx + 1'b1;
                end else begin
                    kx <= {SW{1'b0}};
                    if (!last_ky) begin
                        ky       <= ky + 1'b1;
                        slot_cur <= slot_add(slot_cur, 1);
                    end else begin
                        ky <= {SW{1'b0}};
                        if (!last_ox) begin
                            ox       <= ox + 1'b1;
                            ix_top   <= ix_top + SW'(STRIDE);
                            slot_cur <= slot_top;
                        end else begin
                            ox     <= {SW{1'b0}};
                            ix_top <= -SW'(PAD);
                            if (!last_oy) begin
                                oy       <= oy + 1'b1;
                                iy_top   <= next_top;
                                lo       <= next_lo;
                                slot_top <= slot_add(slot_top, S_MOD);
                                slot_cur <= slot_add(slot_top, S_MOD);
                            end else begin
                                oy       <= {SW{1'b0}};
                                iy_top   <= -SW'(PAD);
                                lo       <= {SW{1'b0}};
                                fbase    <= slot_add(fbase, H_MOD);
                                slot_top <= slot_add(fbase, H_MOD);
                                slot_cur <= slot_add(fbase, H_MOD);
                            end
                        end
                    end
                end
            end
        end
    end

    // Shared writer/reader bookkeeping.
    always @(posedge clk) begin
        if (rst) begin
            lead  <= {SW{1'b0}};
            ahead <= 2'sd0;
            occ   <= 3'd0;
        end else begin
            lead  <= lead + (wrow_done ? SW'(1) : {SW{1'b0}}) - dec;
            ahead <= ahead + (wframe_done ? 2'sd1 : 2'sd0) - (rframe_done ? 2'sd1 : 2'sd0);
            occ   <= occ + (issue ? 3'd1 : 3'd0) - (fifo_pop ? 3'd1 : 3'd0);
        end
    end

    // ------------------------------------------------------------------ output
    reg q_valid;
    reg q_pad;
    reg q_last;
    always @(posedge clk) begin
        q_pad  <= !in_frame;
        q_last <= frame_end;
        if (rst) q_valid <= 1'b0;
        else     q_valid <= issue;
    end

    // The FIFO always has room for q: occ counted it when it was issued.
    /* verilator lint_off UNUSEDSIGNAL */
    wire fifo_ready;
    /* verilator lint_on UNUSEDSIGNAL */
    axis_fifo #(.WIDTH(DW), .DEPTH(FIFO_DEPTH)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tvalid(q_valid), .s_axis_tready(fifo_ready),
        .s_axis_tdata(q_pad ? {DW{1'b0}} : rdata), .s_axis_tlast(q_last),
        .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tlast(m_axis_tlast));
    assign fifo_pop = m_axis_tvalid && m_axis_tready;
endmodule
