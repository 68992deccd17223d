// QuantHdl Verilator harness: streams input frames through the design (built with -DQH_TAPS
// -DQH_STALLS), records every beat of every tapped stream, per sample, with cycle numbers, counts
// each stream's backpressure cycles (valid high, ready low), and fails loudly on a deadlock. See
// sim/README.md for the build command and the file formats.
#include <cerrno>
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "qh_glue.h"
#if VM_TRACE
#include "verilated_fst_c.h"
#endif

namespace {

struct Options {
    std::string inputs;
    std::string out;
    std::string trace;
    long samples = -1;
    uint64_t seed = 1;
    double in_stall = 0.0;
    double out_stall = 0.0;
    double inner_stall = 0.0;
    long timeout = 100000;
};

[[noreturn]] void die(const char* fmt, const char* arg) {
    std::fprintf(stderr, "harness: ");
    std::fprintf(stderr, fmt, arg);
    std::fprintf(stderr, "\n");
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) die("%s needs a value", a.c_str());
            return argv[++i];
        };
        if (a == "--inputs") o.inputs = next();
        else if (a == "--out") o.out = next();
        else if (a == "--trace") o.trace = next();
        else if (a == "--samples") o.samples = std::atol(next());
        else if (a == "--seed") o.seed = std::strtoull(next(), nullptr, 10);
        else if (a == "--in-stall") o.in_stall = std::atof(next());
        else if (a == "--out-stall") o.out_stall = std::atof(next());
        else if (a == "--inner-stall") o.inner_stall = std::atof(next());
        else if (a == "--timeout") o.timeout = std::atol(next());
        else if (a.rfind("+verilator", 0) == 0) continue;
        else die("unknown argument %s", a.c_str());
    }
    if (o.inputs.empty() || o.out.empty()) die("%s", "usage: --inputs FILE --out FILE [--samples N] [--seed S] [--in-stall P] [--out-stall P] [--inner-stall P] [--timeout CYCLES] [--trace FILE.fst]");
    if (o.in_stall < 0 || o.in_stall >= 1 || o.out_stall < 0 || o.out_stall >= 1 || o.inner_stall < 0 || o.inner_stall >= 1)
        die("%s", "stall probabilities must be in [0, 1)");
    return o;
}

// "quanthdl-inputs 1" / "samples N size S" / N lines of S integers.
std::vector<std::vector<int64_t>> read_inputs(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) die("cannot open inputs %s", path.c_str());
    char magic[64] = {0};
    int version = 0;
    long n = 0, size = 0;
    if (std::fscanf(f, "%63s %d", magic, &version) != 2 || std::strcmp(magic, "quanthdl-inputs") != 0 || version != 1)
        die("%s is not a quanthdl-inputs 1 file", path.c_str());
    if (std::fscanf(f, " samples %ld size %ld", &n, &size) != 2 || n < 0 || size != QH_INPUT.size)
        die("%s: bad header or size does not match the design's input", path.c_str());
    std::vector<std::vector<int64_t>> xs(static_cast<std::size_t>(n), std::vector<int64_t>(static_cast<std::size_t>(size)));
    for (auto& x : xs)
        for (auto& v : x)
            if (std::fscanf(f, "%" SCNd64, &v) != 1) die("%s: too few values", path.c_str());
    std::fclose(f);
    return xs;
}

// The stall shims' inputs for one run, drawn from the run's seed (their own generator, so the port
// stalls do not depend on them): each edge gets a start probability in [p/4, p] and a mean burst
// length of 1 to 8 cycles, so runs differ in how often and how long each edge stalls.
std::vector<QhStall> draw_stalls(double p, uint64_t seed) {
    std::vector<QhStall> stalls(static_cast<std::size_t>(QH_EDGE_COUNT));
    std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    for (auto& s : stalls) {
        s.seed = static_cast<uint32_t>(rng());
        if (p <= 0) continue;
        const double enter = 256.0 * p * (0.25 + 0.75 * uni(rng));
        const double burst = 1.0 + 7.0 * uni(rng);
        s.enter = static_cast<uint8_t>(std::min(255.0, std::max(1.0, std::round(enter))));
        s.leave = static_cast<uint8_t>(std::min(255.0, std::max(0.0, std::round(256.0 / burst) - 1.0)));
    }
    return stalls;
}

void write_backpressure(FILE* out, const std::vector<long>& cycles) {
    for (int t = 0; t < QH_TAP_COUNT; ++t) std::fprintf(out, "backpressure %d %ld\n", t, cycles[static_cast<std::size_t>(t)]);
}

}  // namespace

int main(int argc, char** argv) {
    Options opt = parse(argc, argv);
    auto inputs = read_inputs(opt.inputs);
    const long n = opt.samples < 0 ? static_cast<long>(inputs.size()) : std::min<long>(opt.samples, static_cast<long>(inputs.size()));

    FILE* out = std::fopen(opt.out.c_str(), "w");
    if (!out) die("cannot write %s", opt.out.c_str());
    std::fprintf(out, "quanthdl-taps 1\ngraph %s\nsamples %ld\n", QH_GRAPH, n);
    for (int t = 0; t < QH_TAP_COUNT; ++t)
        std::fprintf(out, "tap %d %s lanes %d bits %d signed %d size %d\n", t, QH_TAPS[t].name, QH_TAPS[t].lanes,
                     QH_TAPS[t].bits, QH_TAPS[t].is_signed ? 1 : 0, QH_TAPS[t].size);
    const auto stalls = draw_stalls(opt.inner_stall, opt.seed);
    for (int e = 0; e < QH_EDGE_COUNT; ++e)
        std::fprintf(out, "stall %d tap %d seed %u enter %d leave %d\n", e, QH_EDGE_TAPS[e], stalls[static_cast<std::size_t>(e)].seed,
                     stalls[static_cast<std::size_t>(e)].enter, stalls[static_cast<std::size_t>(e)].leave);

    auto ctx = std::make_unique<VerilatedContext>();
    ctx->commandArgs(argc, argv);
    auto top = std::make_unique<Vqh_top>(ctx.get());
#if VM_TRACE
    std::unique_ptr<VerilatedFstC> tfp;
    if (!opt.trace.empty()) {
        ctx->traceEverOn(true);
        tfp = std::make_unique<VerilatedFstC>();
        top->trace(tfp.get(), 99);
        tfp->open(opt.trace.c_str());
    }
#else
    if (!opt.trace.empty()) die("%s", "--trace needs a harness built with --trace-fst");
#endif
    uint64_t time = 0;
    auto tick = [&](uint8_t clk) {
        top->clk = clk;
        top->eval();
#if VM_TRACE
        if (tfp) tfp->dump(time);
#endif
        time += 5;
    };

    std::mt19937_64 rng(opt.seed);
    std::uniform_real_distribution<double> uni(0.0, 1.0);

    // Reset; the stall shims take their inputs during it.
    qh_set_stalls(top.get(), stalls.data());
    top->rst = 1;
    top->s_axis_tvalid = 0;
    top->m_axis_tready = 0;
    for (int i = 0; i < 4; ++i) { tick(0); tick(1); }
    top->rst = 0;

    const int in_beats = QH_INPUT.size / QH_INPUT.lanes;
    const long total_in = n * in_beats;
    std::vector<long> tap_beats(QH_TAP_COUNT, 0);
    std::vector<long> backpressure(QH_TAP_COUNT, 0);
    std::vector<long> first_in(static_cast<std::size_t>(n), -1), last_out(static_cast<std::size_t>(n), -1);
    std::vector<QhBeat> beats(QH_TAP_COUNT);
    const int out_tap = QH_TAP_COUNT - 1;
    const int out_frame_beats = QH_TAPS[out_tap].size / QH_TAPS[out_tap].lanes;

    long cycle = 0, sent = 0, frames_out = 0, last_progress = 0;
    bool in_valid = false;
    // The run ends when every stream has carried all n frames, not at the last output beat: a pool or a
    // strided conv drops the rows and columns no window reaches, so the output can be complete while the
    // input (or a layer before the drop) still has the tail of the last frame to deliver.
    auto drained = [&] {
        for (int t = 0; t < QH_TAP_COUNT; ++t)
            if (tap_beats[static_cast<std::size_t>(t)] < n * (QH_TAPS[t].size / QH_TAPS[t].lanes)) return false;
        return true;
    };
    while (frames_out < n || !drained()) {
        // Drive, before the rising edge. Valid is held once raised (AXI-Stream); ready may toggle.
        if (!in_valid && sent < total_in && !(opt.in_stall > 0 && uni(rng) < opt.in_stall)) {
            const auto& x = inputs[static_cast<std::size_t>(sent / in_beats)];
            qh_write(top->s_axis_tdata, qh_pack(&x[static_cast<std::size_t>((sent % in_beats) * QH_INPUT.lanes)], QH_INPUT));
            top->s_axis_tlast = (sent % in_beats) == in_beats - 1;
            in_valid = true;
        }
        top->s_axis_tvalid = in_valid;
        top->m_axis_tready = !(opt.out_stall > 0 && uni(rng) < opt.out_stall);
        tick(0);

        // Sample every stream's handshake as the edge will see it.
        qh_sample_taps(top.get(), beats.data());
        bool progress = false;
        for (int t = 0; t < QH_TAP_COUNT; ++t) {
            const QhBeat& b = beats[static_cast<std::size_t>(t)];
            if (b.valid && !b.ready) ++backpressure[static_cast<std::size_t>(t)];
            if (!(b.valid && b.ready)) continue;
            progress = true;
            const QhStream& s = QH_TAPS[t];
            const long frame_beats = s.size / s.lanes;
            const long k = tap_beats[static_cast<std::size_t>(t)]++;
            std::fprintf(out, "beat %d %ld %ld %ld %d", t, k / frame_beats, k % frame_beats, cycle, b.last ? 1 : 0);
            for (int lane = 0; lane < s.lanes; ++lane) std::fprintf(out, " %" PRId64, qh_element(b, s, lane));
            std::fputc('\n', out);
        }
        const bool in_fire = in_valid && top->s_axis_tready;
        const bool out_fire = top->m_axis_tvalid && top->m_axis_tready;
        if (in_fire) {
            if (sent % in_beats == 0) first_in[static_cast<std::size_t>(sent / in_beats)] = cycle;
            ++sent;
            in_valid = false;
        }
        if (out_fire && tap_beats[static_cast<std::size_t>(out_tap)] % out_frame_beats == 0) {
            last_out[static_cast<std::size_t>(frames_out)] = cycle;
            ++frames_out;
        }

        tick(1);
        ++cycle;
        if (progress) last_progress = cycle;
        if (cycle - last_progress > opt.timeout) {
            write_backpressure(out, backpressure);
            std::fprintf(out, "deadlock cycle %ld sent_beats %ld of %ld frames_out %ld of %ld\n", cycle, sent, total_in, frames_out, n);
            std::fclose(out);
            std::fprintf(stderr, "harness: DEADLOCK: no handshake on any stream for %ld cycles (cycle %ld, %ld of %ld input beats sent, %ld of %ld frames out)\n",
                         opt.timeout, cycle, sent, total_in, frames_out, n);
#if VM_TRACE
            if (tfp) tfp->close();
#endif
            return 3;
        }
    }
    for (long s = 0; s < n; ++s)
        std::fprintf(out, "sample %ld first_in %ld last_out %ld\n", s, first_in[static_cast<std::size_t>(s)], last_out[static_cast<std::size_t>(s)]);
    write_backpressure(out, backpressure);
    std::fprintf(out, "done cycles %ld samples %ld\n", cycle, n);
    std::fclose(out);
    top->final();
#if VM_TRACE
    if (tfp) tfp->close();
#endif
    return 0;
}
