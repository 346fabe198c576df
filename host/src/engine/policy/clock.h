// clock: where policies get time from, so that time-based behaviour is testable.
//
// Policies (rate limiter, retry backoff, circuit breaker, timeouts) never read the system time
// or sleep directly: they use a `clock`. Production uses `system_clock()` (steady, monotonic);
// tests use `manual_clock`, whose time only moves when the test (or a sleeper) moves it, so
// tests assert outcomes without sleeps and wall-clock asserts.
// Thread-safety: both clocks may be used from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace wprun::engine {

class clock {
public:
    virtual ~clock() = default;
    /// Monotonic time in nanoseconds.
    virtual int64_t now_ns() const noexcept = 0;
    /// Sleeps `ns`, waking early when `*stop` becomes true (checked at least every 10 ms).
    /// Returns false when it was stopped.
    virtual bool sleep_for(int64_t ns, const std::atomic<bool>* stop) = 0;
};

/// The process-wide steady clock.
clock& system_clock() noexcept;

/// A clock for tests: starts at `start_ns`; `sleep_for` advances it by the requested time (and
/// counts the sleep) instead of blocking.
class manual_clock : public clock {
public:
    explicit manual_clock(int64_t start_ns = 1'000'000'000) : now_(start_ns) {}
    int64_t now_ns() const noexcept override { return now_.load(std::memory_order_acquire); }
    bool sleep_for(int64_t ns, const std::atomic<bool>* stop) override;
    void advance(int64_t ns) noexcept { now_.fetch_add(ns, std::memory_order_acq_rel); }
    uint64_t sleeps() const noexcept { return sleeps_.load(std::memory_order_relaxed); }
    int64_t slept_ns() const noexcept { return slept_.load(std::memory_order_relaxed); }

private:
    std::atomic<int64_t> now_;
    std::atomic<uint64_t> sleeps_{0};
    std::atomic<int64_t> slept_{0};
};

}  // namespace wprun::engine
