#include "engine/policy/circuit_breaker.h"

#include <algorithm>

namespace wprun::engine {
namespace {

// Zero in a spec would mean "open on nothing" or "close on nothing": read it as one.
uint32_t at_least_one(uint32_t n) noexcept { return std::max<uint32_t>(n, 1); }

}  // namespace

circuit_breaker::circuit_breaker(const breaker_spec& spec, clock& c) : spec_(spec), clock_(c) {}

circuit_breaker::verdict circuit_breaker::admit() {
    std::lock_guard lock(mutex_);
    // Time is read under the lock so that recorded transitions are in time order.
    const int64_t now = clock_.now_ns();
    if (state_ == state::open && now - opened_at_ >= spec_.open_for_ns) {
        move_to(state::half_open, now);
    }
    if (state_ == state::closed) return verdict::allow;
    if (state_ == state::half_open && probes_in_flight_ < at_least_one(spec_.half_open_probes)) {
        ++probes_in_flight_;
        return verdict::probe;
    }
    ++rejected_;
    return verdict::reject;
}

void circuit_breaker::record(verdict v, bool success) {
    std::lock_guard lock(mutex_);
    const int64_t now = clock_.now_ns();
    if (v == verdict::probe) {
        record_probe(success, now);
    } else if (v == verdict::allow) {
        record_call(success, now);
    }
}

// A probe from an earlier half-open period may report after the breaker moved on: it then
// neither closes nor re-opens it, since its outcome says nothing about the current period.
void circuit_breaker::record_probe(bool success, int64_t now) {
    if (state_ != state::half_open) return;
    if (probes_in_flight_ > 0) --probes_in_flight_;
    if (!success) {
        move_to(state::open, now);
    } else if (++probe_successes_ >= at_least_one(spec_.half_open_probes)) {
        move_to(state::closed, now);
    }
}

// Calls admitted while closed may finish after it opened: they still count, but only a closed
// breaker opens on them (an open one already is; a half-open one listens to its probes).
void circuit_breaker::record_call(bool success, int64_t now) {
    consecutive_failures_ = success ? 0 : consecutive_failures_ + 1;
    if (spec_.ratio > 0) push_outcome(!success);
    if (state_ == state::closed && should_open()) move_to(state::open, now);
}

void circuit_breaker::push_outcome(bool failed) {
    window_.push_back(failed);
    window_failures_ += failed ? 1 : 0;
    if (window_.size() > at_least_one(spec_.window)) {
        window_failures_ -= window_.front() ? 1 : 0;
        window_.pop_front();
    }
}

bool circuit_breaker::should_open() const {
    if (spec_.ratio <= 0) return consecutive_failures_ >= at_least_one(spec_.failures);
    if (window_.size() < at_least_one(spec_.window)) return false;
    return static_cast<double>(window_failures_) >=
           spec_.ratio * static_cast<double>(window_.size());
}

void circuit_breaker::move_to(state next, int64_t now) {
    transitions_.push_back({now, state_, next});
    state_ = next;
    probes_in_flight_ = 0;
    probe_successes_ = 0;
    if (next == state::open) opened_at_ = now;
    if (next == state::closed) forget_outcomes();
}

// A breaker that closes again starts from a clean slate: failures from before it opened must
// not re-open it at the first new failure.
void circuit_breaker::forget_outcomes() {
    consecutive_failures_ = 0;
    window_.clear();
    window_failures_ = 0;
}

circuit_breaker::state circuit_breaker::current() const {
    std::lock_guard lock(mutex_);
    return state_;
}

std::vector<circuit_breaker::transition> circuit_breaker::transitions() const {
    std::lock_guard lock(mutex_);
    return transitions_;
}

uint64_t circuit_breaker::rejected() const {
    std::lock_guard lock(mutex_);
    return rejected_;
}

int64_t circuit_breaker::reopens_in_ns() const {
    std::lock_guard lock(mutex_);
    if (state_ != state::open) return 0;
    return std::max<int64_t>(0, opened_at_ + spec_.open_for_ns - clock_.now_ns());
}

const char* circuit_breaker::name(state s) noexcept {
    switch (s) {
        case state::closed:
            return "closed";
        case state::open:
            return "open";
        case state::half_open:
            return "half-open";
    }
    return "unknown";
}

}  // namespace wprun::engine
