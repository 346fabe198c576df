// work: the per-item work of the benchmark workloads, written once for the baselines.
//
// Each function does exactly what the plugin (or built-in source) does for one item, copied
// from it: `format_range` is the range source's formatting, `spin_item` the spin plugin's
// parse → rounds → 16 hex digits, `fnv1a64_hex` the hash plugin's fnv1a64 and its hex. The
// baselines call these in a plain loop (or behind a raw queue), so the ratio between a wprun
// pipeline and its baseline is the engine's cost. Header-only; no state, thread-safe.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace wprun::bench {

/// One splitmix64 step, as plugins/spin: advances `state`, returns the mixed output.
constexpr uint64_t splitmix64(uint64_t& state) noexcept {
    state += 0x9e3779b97f4a7c15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/// `rounds` times x = splitmix64(x), as plugins/spin.
constexpr uint64_t spin_rounds(uint64_t x, int64_t rounds) noexcept {
    for (int64_t r = 0; r < rounds; ++r) {
        uint64_t state = x;
        x = splitmix64(state);
    }
    return x;
}
static_assert(spin_rounds(0, 1) == 0xe220a8397b1dcdafull);

/// The range source's payload for `value`: its decimal text (std::to_chars of an int64).
inline size_t format_range(int64_t value, char (&out)[24]) noexcept {
    auto r = std::to_chars(out, out + sizeof out, value);
    return static_cast<size_t>(r.ptr - out);
}

/// Writes `v` as exactly 16 lowercase hex digits, as plugins/spin.
inline void to_hex16(uint64_t v, char (&out)[16]) noexcept {
    constexpr char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i, v >>= 4) out[i] = digits[v & 0xf];
}

/// The spin processor on one payload: parse the unsigned integer, apply `rounds`, write 16 hex
/// digits into `hex`. False when the payload is not a number (spin rejects it).
inline bool spin_item(std::string_view payload, int64_t rounds, char (&hex)[16]) noexcept {
    uint64_t x = 0;
    const char* end = payload.data() + payload.size();
    auto [p, ec] = std::from_chars(payload.data(), end, x);
    if (ec != std::errc() || p != end) return false;
    to_hex16(spin_rounds(x, rounds), hex);
    return true;
}

/// fnv1a64 of `bytes` written as 16 hex digits (most significant byte first), as plugins/hash.
inline void fnv1a64_hex(std::string_view bytes, char (&hex)[16]) noexcept {
    uint64_t h = 0xcbf29ce484222325ull;
    for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    to_hex16(h, hex);
}

/// Folds 16 hex digits into a checksum, so the compiler cannot drop the work (the null sink's
/// "write" is this in the baselines).
inline uint64_t fold(uint64_t sum, const char (&hex)[16]) noexcept {
    uint64_t a = 0, b = 0;
    std::memcpy(&a, hex, 8);
    std::memcpy(&b, hex + 8, 8);
    return (sum ^ a ^ (b << 1)) * 0x100000001b3ull;
}

}  // namespace wprun::bench
