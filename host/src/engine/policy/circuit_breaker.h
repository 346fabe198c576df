// circuit_breaker: stops calling a processor that keeps failing, then probes it to recover.
//
// closed ──(failures)──▶ open ──(open_for elapsed)──▶ half-open ──(probes succeed)──▶ closed
//                         ▲                              │
//                         └──────(a probe fails)─────────┘
// Opens after `failures` consecutive failures, or (when `ratio` > 0) when the failure ratio of
// the last `window` calls reaches `ratio` with at least `window` calls seen. While open, `admit`
// answers `reject`; after `open_for` the next callers become probes (at most `half_open_probes`
// at a time); that many successful probes close it, one failed probe opens it again.
// Every transition is recorded with its time for the report.
// Thread-safety: all members may be called from any thread (a mutex: breakers are per stage and
// only on stages that ask for one).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "engine/policy/clock.h"
#include "engine/spec.h"

namespace wprun::engine {

class circuit_breaker {
public:
    enum class state { closed, open, half_open };
    enum class verdict { allow, probe, reject };
    struct transition {
        int64_t at_ns;
        state from;
        state to;
    };

    circuit_breaker(const breaker_spec& spec, clock& c);

    /// May a call go ahead now? `probe` calls must be reported with `record` like any other.
    verdict admit();
    /// Reports the outcome of a call that `admit` let through (`allow` or `probe`).
    void record(verdict v, bool success);

    state current() const;
    std::vector<transition> transitions() const;
    uint64_t rejected() const;
    /// While open: nanoseconds until it may half-open (0 otherwise), for callers that wait.
    int64_t reopens_in_ns() const;
    const breaker_spec& spec() const noexcept { return spec_; }

    static const char* name(state s) noexcept;

private:
    // All of these run with mutex_ held.
    void move_to(state next, int64_t now);
    bool should_open() const;
    void record_probe(bool success, int64_t now);
    void record_call(bool success, int64_t now);
    void push_outcome(bool failed);
    void forget_outcomes();

    breaker_spec spec_;
    clock& clock_;
    mutable std::mutex mutex_;
    state state_ = state::closed;
    int64_t opened_at_ = 0;
    uint32_t consecutive_failures_ = 0;
    std::deque<bool> window_;  // recent outcomes, true = failure (ratio mode)
    uint32_t window_failures_ = 0;
    uint32_t probes_in_flight_ = 0;
    uint32_t probe_successes_ = 0;
    uint64_t rejected_ = 0;
    std::vector<transition> transitions_;
};

}  // namespace wprun::engine
