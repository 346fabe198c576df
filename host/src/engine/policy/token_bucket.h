// token_bucket: a rate limiter — `rate` items per second on average, bursts of up to `burst`.
//
// Implemented as GCRA (the generic cell rate algorithm): one atomic "theoretical arrival time",
// so reserving a token is a lock-free compare-and-swap and a limiter can be shared by every
// worker of several stages (named limiters). `reserve` says how long the caller must wait;
// `acquire` reserves and sleeps that long on the limiter's clock.
// Thread-safety: all members may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "engine/policy/clock.h"

namespace wprun::engine {

class token_bucket {
public:
    /// `rate_per_s` > 0; `burst` >= 1 tokens may be taken at once after an idle period.
    token_bucket(double rate_per_s, double burst, clock& c);

    /// Takes one token; returns the nanoseconds to wait before using it (0: use it now).
    int64_t reserve() noexcept;
    /// Takes one token and waits for it; false when `*stop` interrupted the wait (the token is
    /// spent either way).
    bool acquire(const std::atomic<bool>* stop);

    uint64_t waits() const noexcept { return waits_.load(std::memory_order_relaxed); }
    int64_t waited_ns() const noexcept { return waited_ns_.load(std::memory_order_relaxed); }
    double rate_per_s() const noexcept { return rate_; }
    double burst() const noexcept { return burst_; }

private:
    clock& clock_;
    double rate_;
    double burst_;
    int64_t interval_ns_;   // time per token
    int64_t tolerance_ns_;  // how far ahead of now the arrival time may run: (burst - 1) * interval
    std::atomic<int64_t> tat_;  // theoretical arrival time of the next token
    std::atomic<uint64_t> waits_{0};
    std::atomic<int64_t> waited_ns_{0};
};

}  // namespace wprun::engine
