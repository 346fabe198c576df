// pipeline: runs a source through a chain of stages into a sink — the engine's entry point.
//
//     source ─▶ queue ─▶ stage 1 ─▶ queue ─▶ … ─▶ stage n ─▶ queue ─▶ sink thread ─▶ sink
//                                                                          └──────▶ error sink
// One thread reads the source, each stage runs its own workers, one thread writes the sink and
// the error sink (so sinks need no locks). Queues are bounded: a slow stage or sink blocks its
// producers, up to the source. With `ordered`, the source may run at most `window` items ahead
// of the oldest unfinished one, and the sink writes in source order.
// The calling thread supervises: it turns interrupts into a drain (first) or a cancel (second),
// enforces the run's deadline, starts the extra workers of dynamic stages, and returns the report
// once every thread has finished. No thread outlives `run`. The engine knows nothing of YAML or
// plugin loading: a test builds one by hand. Thread-safety: construct and run from one thread;
// `run` may be called once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/item_log.h"
#include "engine/policy/clock.h"
#include "engine/report.h"
#include "engine/seq_set.h"
#include "engine/sink.h"
#include "engine/source.h"
#include "engine/stage.h"

namespace wprun::engine {

/// Static sharding (`--shard K/N`): this process runs the source items whose seq % count ==
/// index; the others are read from the source and dropped at once (counted as `other_shards`).
struct shard {
    uint64_t index = 0;
    uint64_t count = 1;  ///< 1 = no sharding
    bool owns(uint64_t seq) const noexcept { return count <= 1 || seq % count == index; }
};

struct run_options {
    bool ordered = false;
    size_t window = 16384;                         ///< ordered only: most source items in flight
    size_t sink_queue = 4096;                      ///< items queued in front of the sink
    std::chrono::nanoseconds deadline{0};          ///< 0 = none; then queued items are cancelled
    const std::atomic<int>* interrupts = nullptr;  ///< e.g. a SIGINT count: 1 drains, 2 cancels
    uint64_t max_item_bytes = default_max_item_bytes;  ///< a larger output fails its input item
    std::chrono::milliseconds tick{50};                ///< how often `on_tick` runs
    std::function<void(const run_report&)> on_tick;  ///< progress (called from the calling thread)
    /// After the first interrupt, how long in-flight items may drain before the rest are
    /// cancelled; 0 = until they are done (a second interrupt still cancels at once).
    std::chrono::nanoseconds grace{0};
    clock* time = nullptr;  ///< for `grace`; nullptr = the system clock (tests inject one)
    /// Told about every source item that completes (job log, resume journal); empty = none, and
    /// then the run pays nothing for them. Must outlive `run`.
    std::vector<item_log*> logs;
    /// Resumed runs: source items (by seq) an earlier run committed; they are read but not run.
    /// Ordered runs only skip the prefix [0, skip->prefix_end()).
    const seq_set* skip = nullptr;
    /// Static sharding; unordered runs only (an ordered sink needs every seq).
    shard part;
};

class pipeline {
public:
    /// Creates every stage's processor instance; throws startup_error when one refuses.
    explicit pipeline(std::vector<stage_config> stages);
    ~pipeline();
    pipeline(const pipeline&) = delete;
    pipeline& operator=(const pipeline&) = delete;

    /// Runs the pipeline to the end. When a worker thread is still stuck in a plugin call after
    /// the bounded wait at the end (`stage_report::stuck_at_exit`), its stage and the run's
    /// queues are kept allocated for good, since that thread may still touch them; the process
    /// should then end with quick_exit (the CLI does).
    run_report run(source& src, sink& out, error_sink& errors, const run_options& options);

private:
    struct state;
    class sink_feed;
    void read_source(state& st, source& src);
    void write_sink(state& st, sink_feed& feed);
    void write_sink_logged(state& st, sink& out, error_sink& errors);
    void check_interrupts(state& st, const run_options& options);
    void supervise(state& st, const run_options& options);
    void abandon_start(state& st, const std::string& problem, size_t begun, bool reading);
    run_report snapshot(const state& st) const;
    void keep_for_stuck_threads(std::unique_ptr<state> st);

    std::vector<std::unique_ptr<stage>> stages_;
};

}  // namespace wprun::engine
