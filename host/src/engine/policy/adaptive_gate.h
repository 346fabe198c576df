// adaptive_gate: a counting limit on how many workers of a stage process at once, whose limit an
// `adaptive_limit` moves (`workers: adaptive`).
//
// The stage starts `max` workers; each takes a permit before it pops from its input queue and
// gives it back, with the latency and overload signals of what it processed, when done. A
// permit holder that finds the queue empty just waits there, which costs nothing: then the input,
// not the limit, is what holds the stage back. Lowering the limit takes effect as permits come
// back (no call is interrupted). The supervising thread calls `update` each tick.
// Why a gate and not starting and stopping threads: the limit moves every window, and each
// thread that ever ran keeps its plugin state until `flush`; a fixed set of threads keeps that
// bounded by `max`.
// Thread-safety: every member may be called from any thread (one small mutex, taken twice per
// popped batch — adaptive stages are meant for calls that take milliseconds).
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>

#include "engine/policy/adaptive_limit.h"

namespace wprun::engine {

class adaptive_gate {
public:
    adaptive_gate(adaptive_limit::params p, int64_t now_ns) : limit_(p, now_ns) {}

    /// Blocks until fewer than `limit` permits are out, then takes one.
    void acquire() {
        std::unique_lock lock(mutex_);
        if (in_use_ >= limit_.limit()) limit_.reached_limit();
        freed_.wait(lock, [&] { return in_use_ < limit_.limit(); });
        if (++in_use_ == limit_.limit()) limit_.reached_limit();
    }
    /// Gives a permit back after `n` calls of `latency_ns` each, `errors` of them overloaded.
    void release(int64_t latency_ns, uint64_t n, uint64_t errors) {
        {
            std::lock_guard lock(mutex_);
            --in_use_;
            if (n > 0) limit_.record(latency_ns, n);
            limit_.record_errors(errors);
        }
        freed_.notify_one();
    }
    /// Supervisor tick: closes the window when due; the change, if the limit moved.
    std::optional<adaptive_limit::change> update(int64_t now_ns) {
        std::optional<adaptive_limit::change> c;
        {
            std::lock_guard lock(mutex_);
            c = limit_.update(now_ns);
        }
        if (c && c->to > c->from) freed_.notify_all();
        return c;
    }
    unsigned limit() const {
        std::lock_guard lock(mutex_);
        return limit_.limit();
    }
    unsigned in_use() const {
        std::lock_guard lock(mutex_);
        return in_use_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable freed_;
    adaptive_limit limit_;
    unsigned in_use_ = 0;
};

}  // namespace wprun::engine
