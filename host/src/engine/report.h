// report: what a run did — the ledger and per-stage counts.
//
// The ledger is the run's accounting of items. Every item the source read, and every extra item
// a stage created (fan-out, flush), ends in exactly one terminal state:
//     read + spawned == written + filtered + failed + cancelled
// `pipeline::run` checks this at the end of every run. Plain data.
#pragma once

#include <algorithm>
#include <cmath>
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
    /// "backlog" (scale-up) or "idle" (a worker left); adaptive limits: "steady" (+1),
    /// "latency" or "errors" (× decrease)
    std::string reason;
};

/// `workers: adaptive`: the AIMD concurrency limit (its changes are in `stage_report::scaling`).
struct concurrency_report {
    unsigned limit = 0;  ///< when the report was taken (the final limit at the end)
    unsigned min = 0, max = 0;
};

/// What one branch of a fan-out stage (`broadcast:`/`route:`) did.
struct branch_counts {
    std::string name;
    uint64_t items = 0;    ///< items handed to the branch (retries not counted again)
    uint64_t outputs = 0;  ///< outputs of it that went downstream
    uint64_t errors = 0;   ///< calls that did not return OK (RETRY included)
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
    std::vector<scale_event> scaling;  ///< dynamic workers and adaptive limits, in order
    std::optional<concurrency_report> concurrency;  ///< `workers: adaptive` only
    uint64_t stuck_workers = 0;  ///< workers replaced because a call outlived its timeout
    uint64_t stuck_at_exit = 0;  ///< of those, still stuck when the run ended (left running)
    unsigned max_workers_seen = 0;
    std::string balance = "shared";  ///< how items reach the workers (`balance:`)
    uint64_t steals = 0;             ///< balance: steal: items taken from another worker's lane
    /// Fan-out stages only, once the stage has finished: per branch, and the items no route
    /// rule matched (filtered).
    std::vector<branch_counts> branches;
    uint64_t unrouted = 0;
};

/// How evenly a stage's workers shared its items (from `per_worker_in`).
struct worker_spread {
    uint64_t min = 0, max = 0;
    double mean = 0, stddev = 0;  ///< population standard deviation
    /// stddev / mean (coefficient of variation): 0 is perfectly even; 0 with no items.
    double cv() const noexcept { return mean > 0 ? stddev / mean : 0; }
};

inline worker_spread spread_of(const std::vector<uint64_t>& per_worker) {
    worker_spread s;
    if (per_worker.empty()) return s;
    s.min = *std::min_element(per_worker.begin(), per_worker.end());
    s.max = *std::max_element(per_worker.begin(), per_worker.end());
    double sum = 0, squares = 0;
    for (uint64_t v : per_worker) sum += static_cast<double>(v);
    s.mean = sum / static_cast<double>(per_worker.size());
    for (uint64_t v : per_worker)
        squares += (static_cast<double>(v) - s.mean) * (static_cast<double>(v) - s.mean);
    s.stddev = std::sqrt(squares / static_cast<double>(per_worker.size()));
    return s;
}

enum class stop_reason { none, interrupted, cancelled, fatal, deadline, error, error_limit };

struct run_report {
    ledger totals;
    std::optional<uint64_t> total;  ///< items the source will read, when it knows (progress)
    std::vector<stage_report> stages;
    double wall_seconds = 0;
    stop_reason stopped = stop_reason::none;
    std::vector<std::string> problems;  ///< run-level failures (FATAL, source/sink errors)
    bool ordered = false;
    uint64_t skipped = 0;  ///< resumed runs: source items an earlier run committed (not run again)
    uint64_t other_shards = 0;  ///< sharded runs: source items of other shards (not run here)
    uint64_t shard_index = 0, shard_count = 1;  ///< sharded runs: which part this run was
};

}  // namespace wprun::engine
