// run_signals: how the parts of a running pipeline tell each other to stop.
//
// `stop_intake` makes the source stop reading (what was read still drains through the stages);
// `cancel` additionally makes workers mark the items they pick up as cancelled instead of
// processing them. Problems (FATAL, source or sink errors) are recorded with the reason.
// Thread-safety: all members may be used from any thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "engine/report.h"

namespace wprun::engine {

class run_signals {
public:
    std::atomic<bool> stop_intake{false};
    std::atomic<bool> cancel{false};

    /// Stops intake (drain what was read).
    void request_stop(stop_reason why) {
        set_reason(why);
        stop_intake.store(true, std::memory_order_relaxed);
    }
    /// Stops intake and cancels queued items.
    void request_cancel(stop_reason why) {
        request_stop(why);
        cancel.store(true, std::memory_order_relaxed);
    }
    /// Records a run-level problem and stops intake (what was read still drains).
    void stop(stop_reason why, std::string problem) {
        {
            std::lock_guard lock(mutex_);
            problems_.push_back(std::move(problem));
        }
        request_stop(why);
    }
    /// Records a run-level problem and cancels the run.
    void fail(stop_reason why, std::string problem) {
        {
            std::lock_guard lock(mutex_);
            problems_.push_back(std::move(problem));
        }
        request_cancel(why);
    }
    std::vector<std::string> problems() const {
        std::lock_guard lock(mutex_);
        return problems_;
    }
    stop_reason reason() const {
        std::lock_guard lock(mutex_);
        return reason_;
    }

private:
    void set_reason(stop_reason why) {
        std::lock_guard lock(mutex_);
        if (reason_ == stop_reason::none) reason_ = why;
    }

    mutable std::mutex mutex_;
    std::vector<std::string> problems_;
    stop_reason reason_ = stop_reason::none;
};

}  // namespace wprun::engine
