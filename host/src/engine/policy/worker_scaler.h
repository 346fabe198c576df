// worker_scaler: when a dynamic stage (`workers: {min, max, ...}`) should start one more worker.
//
// The supervising thread asks once per tick whether the stage's input queue is backlogged (items
// waiting and at least as many as there are workers, or any waiting while every worker is busy).
// `due` says yes once the backlog has lasted `scale_up_after` (0: it was still there at the next
// tick), then starts timing again, so a lasting backlog adds one worker per interval. Scaling
// down is the workers' own decision (an idle worker leaves) and is not decided here.
// Thread-safety: one thread (the supervisor) owns an instance.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace wprun::engine {

class worker_scaler {
public:
    explicit worker_scaler(int64_t scale_up_after_ns = 0)
        : after_ns_(std::max<int64_t>(scale_up_after_ns, 1)) {}

    /// Is the queue backlogged? `queued` items wait, `running` workers run, `busy` are in a call.
    static bool backlogged(size_t queued, unsigned running, unsigned busy) noexcept {
        return queued > 0 && (queued >= running || busy >= running);
    }

    /// Called each tick: true when the backlog has lasted long enough to add a worker.
    bool due(int64_t now_ns, bool backlog) noexcept {
        if (!backlog) {
            since_.reset();
            return false;
        }
        if (!since_) since_ = now_ns;
        if (now_ns - *since_ < after_ns_) return false;
        since_ = now_ns;
        return true;
    }

private:
    int64_t after_ns_;
    std::optional<int64_t> since_;
};

}  // namespace wprun::engine
