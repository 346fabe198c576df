// stage_worker: what the stage's source files share — the worker record and small helpers.
//
// stage.cpp has a stage's lifecycle and work loops, stage_calls.cpp one item's call policies and
// outcome, stage_watch.cpp the stuck-worker watchdog. Private to the engine (include it only
// from those files). A worker record is written by its own thread; its counters are read by
// the supervising thread (progress, report) and the watchdog takes over its `slot`.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/stage.h"

namespace wprun::engine::stage_detail {

constexpr size_t max_batch = 256;
constexpr double target_batch_ns = 100'000;  // ~100 µs of work per batch
constexpr size_t error_capacity = 1024;
constexpr int64_t default_idle_ns = 1'000'000'000;

inline uint64_t now_ns() noexcept {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

/// Single-writer counter readable from other threads (progress) without a locked add.
inline void bump(std::atomic<uint64_t>& c, uint64_t n = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

inline wprun_job to_job(const item& it) noexcept {
    std::string_view key = it.key();
    return wprun_job{sizeof(wprun_job),        {it.payload.data(), it.payload.size()},
                     {key.data(), key.size()}, it.seq,
                     it.attempt + 1,           it.priority};
}

inline void append_index(item& child, uint32_t index) {
    std::string& path = child.ensure_extra().path;
    for (int shift = 24; shift >= 0; shift -= 8)
        path.push_back(static_cast<char>((index >> shift) & 0xff));
}

/// Not a plugin status: the item was cancelled while a policy held it (limiter, breaker, backoff).
constexpr auto status_cancelled = static_cast<wprun_status>(-1);
/// Not a plugin status: the call outlived its timeout and the watchdog took its item (the
/// worker must not touch it and exits).
constexpr auto status_abandoned = static_cast<wprun_status>(-2);
/// How long the host waits at the end of the run for workers still in a stuck call.
constexpr auto stuck_join_wait = std::chrono::seconds(2);

inline uint64_t next_random(uint64_t& state) noexcept {  // xorshift64: jitter needs no better
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

inline adaptive_limit::params limit_params(const adaptive_spec& a) {
    adaptive_limit::params p;
    p.min = a.min;
    p.max = a.max;
    p.initial = a.initial;
    p.window_ns = a.window_ns;
    p.threshold = a.threshold;
    p.decrease = a.decrease;
    return p;
}

inline std::string format_ms(int64_t ns) {
    return ns % 1'000'000 == 0 ? std::to_string(ns / 1'000'000) + "ms"
                               : std::to_string(ns / 1000) + "us";
}

}  // namespace wprun::engine::stage_detail

namespace wprun::engine {

using namespace stage_detail;

struct stage::worker {
    unsigned index = 0;
    unsigned lane =
        0;  ///< its input lane with `balance:` worker lanes (a replacement's: the stuck one's)
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    latency_histogram latency;
    void* state = nullptr;
    wprun_emitter emitter;
    std::vector<item> outputs;
    std::vector<item> call_outputs;  // a watched call's outputs until it returns (the watchdog
                                     // may take `outputs` meanwhile)
    item* rest = nullptr;            // watched: the popped items after the one being called ...
    item* rest_end = nullptr;        // ... which a replacement takes over if the call sticks
    std::vector<item> batch_outputs;
    std::vector<wprun_job> jobs;
    std::vector<wprun_result> results;
    std::vector<char> errors;
    char error[error_capacity] = {};
    size_t want = 1;
    std::atomic<bool> busy{false};    // in a call (scale-up looks at it)
    bool retired = false;             // left while idle (not the last out)
    call_slot<item> slot;             // a call the watchdog may take over (stage_watch.cpp)
    handover inherited;               // a replacement's first work: what its stuck peer held
    std::atomic<bool> exited{false};  // the thread is done with the stage (stuck ones: late)
    struct {
        std::atomic<uint64_t> in{0}, out{0}, filtered{0}, failed{0}, spawned{0}, cancelled{0},
            retried{0}, timed_out{0}, limiter_waits{0}, limiter_waited_ns{0}, circuit_open{0},
            batches{0}, busy_ns{0}, refused{0};  // refused: failed with RETRY
    } counts;
};

}  // namespace wprun::engine
