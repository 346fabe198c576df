#include "engine/policy/token_bucket.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wprun::engine {
namespace {

// Upper limit for derived durations (~31 years): keeps `tat + interval` far from overflow even
// for absurdly low rates or huge bursts.
constexpr double max_duration_ns = 1e18;

// Rounds a non-negative duration to whole nanoseconds within [lo, max_duration_ns]; NaN gives lo.
int64_t to_ns(double ns, int64_t lo) noexcept {
    if (!(ns >= static_cast<double>(lo))) return lo;
    return static_cast<int64_t>(std::llround(std::min(ns, max_duration_ns)));
}

int64_t saturating_add(int64_t a, int64_t b) noexcept {
    if (a > std::numeric_limits<int64_t>::max() - b) return std::numeric_limits<int64_t>::max();
    return a + b;
}

}  // namespace

token_bucket::token_bucket(double rate_per_s, double burst, clock& c)
    : clock_(c),
      rate_(rate_per_s),
      burst_(burst),
      // Whole nanoseconds per token, at least one: rates beyond 1e9/s are held to 1e9/s.
      interval_ns_(to_ns(1e9 / rate_per_s, 1)),
      tolerance_ns_(to_ns((std::max(burst, 1.0) - 1.0) * static_cast<double>(interval_ns_), 0)),
      // A fresh bucket is full: its next token is due now, so `burst` tokens pass at once.
      tat_(c.now_ns()) {}

int64_t token_bucket::reserve() noexcept {
    const int64_t now = clock_.now_ns();
    int64_t tat = tat_.load(std::memory_order_relaxed);
    int64_t start = 0;
    // A failed CAS reloads `tat`, so the next try builds on the winner's arrival time.
    do {
        start = std::max(tat, now);
    } while (!tat_.compare_exchange_weak(tat, saturating_add(start, interval_ns_),
                                         std::memory_order_relaxed));
    const int64_t wait = std::max<int64_t>(0, start - tolerance_ns_ - now);
    if (wait > 0) {
        waits_.fetch_add(1, std::memory_order_relaxed);
        waited_ns_.fetch_add(wait, std::memory_order_relaxed);
    }
    return wait;
}

bool token_bucket::acquire(const std::atomic<bool>* stop) {
    const int64_t wait = reserve();
    return wait == 0 || clock_.sleep_for(wait, stop);
}

}  // namespace wprun::engine
