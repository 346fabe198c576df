// report: what a run did — the ledger and per-stage counts.
//
// The ledger is the run's accounting of items. Every item the source read, and every extra item
// a stage created (fan-out, flush), ends in exactly one terminal state:
//     read + spawned == written + filtered + failed + cancelled
// `pipeline::run` checks this at the end of every run. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/policy/latency_histogram.h"

namespace wprun::engine {

struct ledger {
    uint64_t read = 0;
    uint64_t spawned = 0;  ///< items created by fan-out (n outputs count n - 1) and by flush
    uint64_t written = 0;
    uint64_t filtered = 0;
    uint64_t failed = 0;
    uint64_t cancelled = 0;

    bool balanced() const noexcept {
        return read + spawned == written + filtered + failed + cancelled;
    }
};

struct stage_counts {
    uint64_t in = 0;   ///< data items the stage took
    uint64_t out = 0;  ///< outputs it emitted
    uint64_t filtered = 0;
    uint64_t failed = 0;
    uint64_t spawned = 0;
    uint64_t cancelled = 0;
    uint64_t retried = 0;    ///< extra calls made by the retry policy
    uint64_t timed_out = 0;  ///< calls that ran past the stage's timeout
    uint64_t batches = 0;    ///< groups handed to the processor (stages with `batch:` only)
    uint64_t busy_ns = 0;    ///< time workers spent in the processor, summed over workers
};

/// One change of a stage's circuit breaker.
struct breaker_transition {
    double at_seconds;  ///< since the run started
    std::string from, to;
};

/// One change of a dynamic stage's worker count.
struct scale_event {
    double at_seconds;  ///< since the stage started
    unsigned from, to;
    std::string reason;  ///< "backlog" (scale-up) or "idle" (a worker left)
};

struct stage_report {
    std::string name;
    std::string processor;
    unsigned workers = 0;  ///< the most workers that ran at once
    unsigned running = 0;  ///< workers running when the report was taken (progress, timeline)
    unsigned busy = 0;     ///< workers inside a processor call when the report was taken
    stage_counts counts;
    std::vector<uint64_t> per_worker_in;  ///< items each worker took (load balance)
    std::vector<uint64_t> per_level_in;   ///< items taken from each priority level (levels > 1)
    std::vector<int64_t> per_level_max_wait_ns;  ///< longest queue wait per level (with aging)
    size_t queue_capacity = 0;
    size_t queue_high_water = 0;
    size_t queue_depth = 0;   ///< items in the input queue when the report was taken
    latency_summary latency;  ///< per call (per batch average when items move in bulk)
    std::vector<breaker_transition> breaker;
    uint64_t breaker_rejected = 0;
    uint64_t limiter_waits = 0;
    double limiter_waited_seconds = 0;
    std::vector<scale_event> scaling;  ///< dynamic workers only, in order
    unsigned max_workers_seen = 0;
};

enum class stop_reason { none, interrupted, cancelled, fatal, deadline, error, error_limit };

struct run_report {
    ledger totals;
    std::optional<uint64_t> total;  ///< items the source will read, when it knows (progress)
    std::vector<stage_report> stages;
    double wall_seconds = 0;
    stop_reason stopped = stop_reason::none;
    std::vector<std::string> problems;  ///< run-level failures (FATAL, source/sink errors)
    bool ordered = false;
};

}  // namespace wprun::engine
