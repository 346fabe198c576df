// redis_backlog: backpressure for the `redis` sink that feeds a work stream.
//
// The backlog of a work stream is what its workers have not finished yet. With a consumer
// `group`, it is the group's `lag` (entries not yet delivered to any consumer) plus its
// `pending` (delivered, not acknowledged), from XINFO GROUPS; acknowledged entries still in the
// stream do not count. When the server cannot tell the lag (entries were deleted with XDEL), the
// entries after the group's last delivered id are counted (XRANGE, at most `max` of them). While
// the group does not exist yet (no worker started), and without a group, the backlog is the
// stream's length (XLEN): every entry is waiting.
//
// `wait_for_room` returns how many entries may be added before the backlog reaches `max`; while
// the backlog is at or above `max` it polls, sleeping `poll` first and doubling up to `poll_max`
// (never a busy loop), and counts the waits and the time waited. After `max_wait` at the limit
// (0 = no limit) it throws std::runtime_error, which fails the run. Sink thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "io/redis_link.h"

namespace wprun::io {

struct backlog_options {
    uint64_t max = 0;   ///< 0 = no backpressure
    std::string group;  ///< "" = the stream's length is the backlog
    std::chrono::milliseconds poll{20}, poll_max{1000};
    std::chrono::milliseconds max_wait{0};  ///< 0 = wait as long as it takes
};

/// The next poll interval after `current`: doubled, at most `ceiling`.
std::chrono::milliseconds next_poll(std::chrono::milliseconds current,
                                    std::chrono::milliseconds ceiling);

class redis_backlog {
public:
    using sleeper = std::function<void(std::chrono::milliseconds)>;

    /// `sleep` defaults to std::this_thread::sleep_for (tests pass their own).
    redis_backlog(std::string stream, backlog_options o, sleeper sleep = {});

    bool enabled() const noexcept { return o_.max > 0; }
    /// The stream's backlog now (see above).
    uint64_t measure(redis_link& link);
    /// Waits while the backlog is at or above `max`; returns max - backlog (at least 1).
    uint64_t wait_for_room(redis_link& link);

    uint64_t waits() const noexcept { return waits_; }  ///< times the limit made the sink wait
    double waited_seconds() const noexcept { return waited_.count(); }
    const backlog_options& options() const noexcept { return o_; }

private:
    uint64_t undelivered_after(redis_link& link, const std::string& last_id);

    std::string stream_;
    backlog_options o_;
    sleeper sleep_;
    uint64_t waits_ = 0;
    std::chrono::duration<double> waited_{0};
};

}  // namespace wprun::io
