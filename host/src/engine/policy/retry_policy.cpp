#include "engine/policy/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace wprun::engine {
namespace {

// uniform(0, d) inclusive from 64 random bits: the top 53 bits give a double in [0, 1), so
// UINT64_MAX maps to d and 0 to 0, with no modulo bias worth speaking of.
int64_t uniform_upto(int64_t d, uint64_t random) noexcept {
    const double unit = static_cast<double>(random >> 11) * 0x1p-53;
    const auto picked = static_cast<int64_t>(unit * (static_cast<double>(d) + 1.0));
    return std::clamp<int64_t>(picked, 0, d);
}

}  // namespace

retry_policy::retry_policy(const retry_spec& spec) : spec_(spec) {}

std::optional<int64_t> retry_policy::delay_before(uint32_t next_attempt,
                                                  int64_t elapsed_ns,
                                                  uint64_t random,
                                                  int64_t at_least_ns) const noexcept {
    if (next_attempt <= 1) return 0;  // the first call never waits
    if (next_attempt > spec_.attempts) return std::nullopt;
    if (spec_.max_elapsed_ns > 0 && elapsed_ns >= spec_.max_elapsed_ns) return std::nullopt;
    int64_t d = jittered(backoff(next_attempt - 2), random);
    if (at_least_ns <= d) return d;
    if (spec_.max_elapsed_ns > 0 && at_least_ns > spec_.max_elapsed_ns - elapsed_ns)
        return std::nullopt;  // the retry could only start after the limit
    return at_least_ns;
}

int64_t retry_policy::backoff(uint32_t retries_before) const noexcept {
    const int64_t cap = std::max<int64_t>(spec_.max_ns, 0);
    if (spec_.initial_ns <= 0) return 0;  // 0 * infinity would be NaN, read as "the cap"
    // In double, multiplier^n overflows to infinity instead of wrapping; the cap is applied
    // before converting back, so the conversion never sees a value beyond int64.
    const double d = static_cast<double>(spec_.initial_ns) *
                     std::pow(spec_.multiplier, static_cast<double>(retries_before));
    if (!(d < static_cast<double>(cap))) return cap;  // also catches NaN and infinity
    return std::max<int64_t>(static_cast<int64_t>(d), 0);
}

int64_t retry_policy::jittered(int64_t d, uint64_t random) const noexcept {
    switch (spec_.jitter) {
        case retry_spec::jitter_kind::full:
            return uniform_upto(d, random);
        case retry_spec::jitter_kind::equal:
            return d / 2 + uniform_upto(d - d / 2, random);
        case retry_spec::jitter_kind::none:
            break;
    }
    return d;
}

}  // namespace wprun::engine
