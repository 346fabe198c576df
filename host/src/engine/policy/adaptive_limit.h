// adaptive_limit: AIMD on latency and errors — how many calls a stage lets run at once.
//
// Like Vector's adaptive request concurrency, but for any stage. Workers report each finished
// call (`record`: its latency; `record_errors`: RETRY statuses, retries and timeouts, the
// signals of an overloaded backend) and whether they found every permit taken
// (`reached_limit`). Once per `window`, `update` compares the window's mean latency with the
// long-term average (an EWMA, weight `alpha` for the newest window) and its mean deviation:
//   - errors in the window                          → limit × decrease (at least min), "errors"
//   - mean > average + threshold × deviation        → limit × decrease (at least min), "latency"
//     (the deviation counts as 5% to 50% of the average: a steady latency has some slack, and
//     with threshold 2, twice the average is slow however noisy the past was)
//   - otherwise, when every permit was in use       → limit + 1 (at most max), "steady"
// A decrease is at least 1. A window without a finished call changes nothing. Unlike Vector,
// the average learns only from windows that were not slow (or were at the minimum limit, where
// the latency is the backend's own): learning from overloaded windows would let the average
// chase the latency up, and the limit with it, past the knee.
// Thread-safety: none; `adaptive_gate` wraps it for worker threads.
#pragma once

#include <cstdint>
#include <optional>

namespace wprun::engine {

class adaptive_limit {
public:
    struct params {
        unsigned min = 1;
        unsigned max = 64;
        unsigned initial = 1;             ///< clamped to [min, max]
        int64_t window_ns = 100'000'000;  ///< how often the limit may change
        double threshold = 2.0;           ///< deviations above the average that count as slow
        double decrease = 0.9;            ///< multiplicative decrease, in (0, 1)
        double alpha = 0.4;               ///< EWMA weight of the newest window
    };
    /// One change of the limit; `reason` is "steady", "latency" or "errors" (static text).
    struct change {
        unsigned from, to;
        const char* reason;
    };

    adaptive_limit(params p, int64_t now_ns) noexcept;

    /// `n` finished calls that took `latency_ns` each.
    void record(int64_t latency_ns, uint64_t n = 1) noexcept;
    /// Calls that signalled overload (RETRY, a retry, a timeout).
    void record_errors(uint64_t n) noexcept { errors_ += n; }
    /// A worker found every permit in use (the limit, not the input, held it back).
    void reached_limit() noexcept { reached_ = true; }
    /// Closes the window when `window_ns` has passed since it opened; the change, if any.
    std::optional<change> update(int64_t now_ns) noexcept;

    unsigned limit() const noexcept { return limit_; }
    /// Long-term average latency (0 before the first window with calls).
    double average_ns() const noexcept { return average_; }
    const params& settings() const noexcept { return p_; }

private:
    bool slow(double mean) const noexcept;
    std::optional<change> decrease(const char* reason) noexcept;
    std::optional<change> increase() noexcept;
    void learn(double mean) noexcept;

    params p_;
    unsigned limit_;
    int64_t opened_ns_;
    double sum_ns_ = 0;
    uint64_t calls_ = 0, errors_ = 0;
    bool reached_ = false;
    bool learned_ = false;
    double average_ = 0, deviation_ = 0;
};

}  // namespace wprun::engine
