// Window reduction of a pooling layer, docs/integer-semantics.md §7 and §8, shared by maxpool.v
// (OP = 0, the maximum) and pool_sum.v (OP = 1, the sum). Not a stream block by itself: the
// wrapper decides when a beat is taken (in_fire) and buffers the results.
//
// Input: frames of H x W pixels of C channels in (y, x, c) order, one beat of LANES elements
// (unsigned, IN_BITS each) per in_fire, CL = C/LANES beats per pixel. A KH x KW window at stride
// (KH, KW) covers rows KH*oy .. KH*oy + KH - 1 and columns likewise; pixels in rows from
// HO*KH = floor(H/KH)*KH or columns from WO*KW on are taken and dropped. Output: beat (oy, ox, cl) of
// the HO x WO x C result frame, LANES values of ACC_BITS, in out_data the cycle after the beat
// that completes its window (out_valid for one cycle, out_last on the frame's last beat).
// `emit` tells the wrapper, from registers only, whether the next beat completes a window.
//
// Partial results: hbuf holds, per channel beat cl, the reduction over the columns of the current
// window seen so far (CL words); rowbuf holds, per (ox, cl), the reduction over the window rows
// finished so far (WO*CL words), one output row and not the frame. A beat at column offset dx and
// row offset dy of its window computes h = dx == 0 ? in : op(hbuf[cl], in); at dx = KW - 1 it goes
// on to v = dy == 0 ? h : op(rowbuf[ox*CL + cl], h), which is stored (dy < KH - 1) or emitted. The
// order of operations is the same as PoolKernels' up to associativity, which max and the exact sum
// (below 2^ACC_BITS, checked by pool_sum.v) do not see. One beat per cycle; both buffers are read
// asynchronously and written on the clock (distributed RAM), and a word is read and written in the
// same cycle only by the beat that updates it.
module pool_window #(
    parameter integer H = 4,
    parameter integer W = 4,
    parameter integer C = 2,
    parameter integer KH = 2,
    parameter integer KW = 2,
    parameter integer LANES = 1,
    parameter integer IN_BITS = 8,
    parameter integer ACC_BITS = 8,
    parameter integer OP = 0
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire                      in_fire,
    input  wire [LANES*IN_BITS-1:0]  in_data,
    output wire                      emit,
    output reg                       out_valid,
    output reg  [LANES*ACC_BITS-1:0] out_data,
    output reg                       out_last
);
    localparam integer CL = C / LANES;
    localparam integer HO = H / KH;
    localparam integer WO = W / KW;
    localparam integer AB = LANES * ACC_BITS;
    localparam integer CLW = (CL > 1) ? $clog2(CL) : 1;
    localparam integer XW = (W > 1) ? $clog2(W) : 1;
    localparam integer YW = (H > 1) ? $clog2(H) : 1;
    localparam integer DXW = (KW > 1) ? $clog2(KW) : 1;
    localparam integer DYW = (KH > 1) ? $clog2(KH) : 1;
    localparam integer OXW = (WO > 1) ? $clog2(WO) : 1;
    localparam integer OYW = (HO > 1) ? $clog2(HO) : 1;
    localparam integer RWORDS = WO * CL;
    localparam integer RAW = (RWORDS > 1) ? $clog2(RWORDS) : 1;

    // Parameters the C# validator rejects; a bench or a synthesis run with them stops here.
    generate
        if (KH < 1 || KW < 1 || KH > H || KW > W || LANES < 1 || C % LANES != 0 || ACC_BITS < IN_BITS) begin : g_bad
            initial begin
                $display("FATAL: pool_window: %0dx%0dx%0d, window %0dx%0d, LANES = %0d, ACC_BITS = %0d is not supported; need a window inside the frame, LANES | C, ACC_BITS >= IN_BITS = %0d",
                         H, W, C, KH, KW, LANES, ACC_BITS, IN_BITS);
                $finish;
            end
        end
    endgenerate

    reg [CLW-1:0] cl;
    reg [XW-1:0]  x;
    reg [YW-1:0]  y;
    reg [DXW-1:0] dx;
    reg [DYW-1:0] dy;
    reg [OXW-1:0] ox;
    reg [OYW-1:0] oy;

    reg [AB-1:0] hbuf   [0:CL-1];
    reg [AB-1:0] rowbuf [0:RWORDS-1];

    wire keep     = (32'(x) < WO * KW) && (32'(y) < HO * KH);
    wire last_dx  = (dx == DXW'(KW - 1));
    wire last_dy  = (dy == DYW'(KH - 1));
    wire last_cl  = (cl == CLW'(CL - 1));
    wire last_x   = (x == XW'(W - 1));
    wire last_y   = (y == YW'(H - 1));
    assign emit   = keep && last_dx && last_dy;
    wire [RAW-1:0] raddr = RAW'(32'(ox) * CL + 32'(cl));

    wire [AB-1:0] hprev = hbuf[cl];
    wire [AB-1:0] rprev = rowbuf[raddr];
    reg  [AB-1:0] h;
    reg  [AB-1:0] v;
    integer l;
    always @* begin
        for (l = 0; l < LANES; l = l + 1) begin
            // Inputs are unsigned codes, zero-extended to the reduction width.
            h[l*ACC_BITS +: ACC_BITS] = ACC_BITS'(in_data[l*IN_BITS +: IN_BITS]);
            if (dx != {DXW{1'b0}}) begin
                if (OP == 0) begin
                    if (hprev[l*ACC_BITS +: ACC_BITS] > h[l*ACC_BITS +: ACC_BITS])
                        h[l*ACC_BITS +: ACC_BITS] = hprev[l*ACC_BITS +: ACC_BITS];
                end else begin
                    h[l*ACC_BITS +: ACC_BITS] = h[l*ACC_BITS +: ACC_BITS] + hprev[l*ACC_BITS +: ACC_BITS];
                end
            end
            v[l*ACC_BITS +: ACC_BITS] = h[l*ACC_BITS +: ACC_BITS];
            if (dy != {DYW{1'b0}}) begin
                if (OP == 0) begin
                    if (rprev[l*ACC_BITS +: ACC_BITS] > v[l*ACC_BITS +: ACC_BITS])
                        v[l*ACC_BITS +: ACC_BITS] = rprev[l*ACC_BITS +: ACC_BITS];
                end else begin
                    v[l*ACC_BITS +: ACC_BITS] = v[l*ACC_BITS +: ACC_BITS] + rprev[l*ACC_BITS +: ACC_BITS];
                end
            end
        end
    end

    always @(posedge clk) begin
        if (in_fire && keep && !last_dx) hbuf[cl] <= h;
        if (in_fire && keep && last_dx && !last_dy) rowbuf[raddr] <= v;
        out_data <= v;
        out_last <= (oy == OYW'(HO - 1)) && (ox == OXW'(WO - 1)) && last_cl;
    end

    always @(posedge clk) begin
        if (rst) begin
            out_valid <= 1'b0;
            cl <= {CLW{1'b0}};
            x  <= {XW{1'b0}};
            y  <= {YW{1'b0}};
            dx <= {DXW{1'b0}};
            dy <= {DYW{1'b0}};
            ox <= {OXW{1'b0}};
            oy <= {OYW{1'b0}};
        end else begin
            out_valid <= in_fire && emit;
            if (in_fire) begin
                cl <= last_cl ? {CLW{1'b0}} : cl + 1'b1;
                if (last_cl) begin
                    x <= last_x ? {XW{1'b0}} : x + 1'b1;
                    // Column offsets advance inside the kept columns; a row starts again at ox = 0.
                    if (last_x) begin
                        dx <= {DXW{1'b0}};
                        ox <= {OXW{1'b0}};
                    end else if (32'(x) < WO * KW) begin
                        dx <= last_dx ? {DXW{1'b0}} : dx + 1'b1;
                        if (last_dx && ox != OXW'(WO - 1)) ox <= ox + 1'b1;
                    end
                    if (last_x) begin
                        y <= last_y ? {YW{1'b0}} : y + 1'b1;
                        if (last_y) begin
                            dy <= {DYW{1'b0}};
                            oy <= {OYW{1'b0}};
                        end else if (32'(y) < HO * KH) begin
                            dy <= last_dy ? {DYW{1'b0}} : dy + 1'b1;
                            if (last_dy && oy != OYW'(HO - 1)) oy <= oy + 1'b1;
                        end
                    end
                end
            end
        end
    end
endmodule
