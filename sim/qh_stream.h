// Stream descriptions and beat sampling shared by harness.cpp and the generated qh_glue.h.
// A stream's tdata holds `lanes` elements of `bits` bits, element i at bits [i*bits +: bits]
// (docs/integer-semantics.md §1). Verilator gives a port of up to 64 bits as an integer and a wider
// one as VlWide<N> (N 32-bit words); the overloads below turn both into 32-bit words, LSB first.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>
#include "verilated.h"

struct QhStream {
    const char* name;
    int lanes;
    int bits;
    bool is_signed;
    int size;
};

// The inputs of one stall shim (hdl/axis_stall.v): enter = 0 makes it a wire.
struct QhStall {
    uint32_t seed = 1;
    uint8_t enter = 0;
    uint8_t leave = 0;
};

struct QhBeat {
    bool valid = false;
    bool ready = false;
    bool last = false;
    std::vector<uint32_t> words;
};

inline void qh_read(std::vector<uint32_t>& w, uint64_t v) {
    w.assign(2, 0);
    w[0] = static_cast<uint32_t>(v);
    w[1] = static_cast<uint32_t>(v >> 32);
}

template <std::size_t N>
inline void qh_read(std::vector<uint32_t>& w, const VlWide<N>& v) {
    w.assign(N, 0);
    for (std::size_t i = 0; i < N; ++i) w[i] = v[i];
}

template <class T>
inline void qh_write(T& port, const std::vector<uint32_t>& w) {
    uint64_t v = w.empty() ? 0 : w[0];
    if (w.size() > 1) v |= static_cast<uint64_t>(w[1]) << 32;
    port = static_cast<T>(v);
}

template <std::size_t N>
inline void qh_write(VlWide<N>& port, const std::vector<uint32_t>& w) {
    for (std::size_t i = 0; i < N; ++i) port[i] = i < w.size() ? w[i] : 0;
}

template <class T>
inline void qh_sample(QhBeat& b, uint8_t valid, uint8_t ready, const T& data, uint8_t last) {
    b.valid = valid != 0;
    b.ready = ready != 0;
    b.last = last != 0;
    qh_read(b.words, data);
}

// Element `lane` of a beat, sign-extended when the stream is signed.
inline int64_t qh_element(const QhBeat& b, const QhStream& s, int lane) {
    uint64_t v = 0;
    for (int k = 0; k < s.bits; ++k) {
        int bit = lane * s.bits + k;
        std::size_t word = static_cast<std::size_t>(bit / 32);
        if (word < b.words.size() && ((b.words[word] >> (bit % 32)) & 1u)) v |= 1ull << k;
    }
    if (s.is_signed && s.bits < 64 && ((v >> (s.bits - 1)) & 1ull)) v |= ~0ull << s.bits;
    return static_cast<int64_t>(v);
}

// Packs `lanes` elements (two's complement, low `bits` bits each) into 32-bit words.
inline std::vector<uint32_t> qh_pack(const int64_t* values, const QhStream& s) {
    std::vector<uint32_t> w(static_cast<std::size_t>((s.lanes * s.bits + 31) / 32), 0);
    for (int lane = 0; lane < s.lanes; ++lane) {
        uint64_t v = static_cast<uint64_t>(values[lane]);
        for (int k = 0; k < s.bits; ++k) {
            int bit = lane * s.bits + k;
            if ((v >> k) & 1ull) w[static_cast<std::size_t>(bit / 32)] |= 1u << (bit % 32);
        }
    }
    return w;
}
