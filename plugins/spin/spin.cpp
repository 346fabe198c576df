// spin: the benchmark processor. A fixed, tunable amount of pure CPU work per item (rounds of
// splitmix64) with a checkable result, and no allocation on the success path, so a benchmark
// measures the engine and not the processor's memory traffic.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include <wprun/plugin.hpp>

namespace {

using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

/// One splitmix64 step (Steele, Lea, Flood 2014): advances `state` by the golden-ratio constant
/// and returns the mixed output.
constexpr uint64_t splitmix64(uint64_t& state) noexcept {
    state += 0x9e3779b97f4a7c15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/// `rounds` times: x = splitmix64 output for state x. Each round's input is the previous output.
constexpr uint64_t spin_rounds(uint64_t x, int64_t rounds) noexcept {
    for (int64_t r = 0; r < rounds; ++r) {
        uint64_t state = x;
        x = splitmix64(state);
    }
    return x;
}
static_assert(spin_rounds(0, 1) == 0xe220a8397b1dcdafull);

/// Writes `v` as exactly 16 lowercase hex digits.
std::string_view to_hex16(uint64_t v, char (&out)[16]) noexcept {
    constexpr char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i, v >>= 4) out[i] = digits[v & 0xf];
    return {out, sizeof out};
}

class spin {
public:
    static constexpr const char* name = "spin";
    static constexpr const char* description =
        "Benchmark load: applies splitmix64 `rounds` times to an integer payload, emits 16 hex.";

    static std::vector<field> schema() {
        return {{"rounds", WPRUN_TYPE_INT, "0", false, "splitmix64 rounds per item (>= 0)"}};
    }
    explicit spin(const wprun::config& cfg) : rounds_(cfg.get_int("rounds", 0)) {
        if (rounds_ < 0) throw wprun::config_error("spin: 'rounds' must be >= 0");
    }

    result process(const job& j, emitter& out) const {
        uint64_t x = 0;
        const char* end = j.payload.data() + j.payload.size();
        auto [p, ec] = std::from_chars(j.payload.data(), end, x);
        if (ec != std::errc() || p != end) return not_a_number(j.payload);
        char hex[16];
        out.emit(to_hex16(spin_rounds(x, rounds_), hex));
        return wprun::ok();
    }

private:
    static result not_a_number(std::string_view payload) {
        return wprun::reject("spin: payload is not an unsigned integer: '" +
                             std::string(payload.substr(0, 40)) + "'");
    }

    int64_t rounds_;
};

}  // namespace

WPRUN_PLUGIN("spin", "1.0.0", spin)
