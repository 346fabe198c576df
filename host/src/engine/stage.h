// stage: one worker pool — a processor instance, N worker threads, and their counters.
//
// Construction creates the processor instance from the stage's config (a plugin that rejects
// its config throws startup_error). `start` launches the workers: each pops a batch from the
// input queue, calls the processor for each item (or once for the batch with `process_batch`),
// turns statuses into outputs or terminal markers, and pushes the results downstream in bulk.
// The batch size adapts so that one batch takes about 100 µs: fast items move in bulk, slow
// items one at a time, so a few slow items are still spread over all workers. The last worker
// to finish calls the processor's `flush` and closes the output queue.
// A dynamic stage (`min_workers` > 0) starts `min_workers`; `scale`, called by the supervising
// thread each tick, starts one more (up to `max_workers`) after a lasting backlog, and a worker
// that waited `idle_ns` for an item leaves while more than `min_workers` remain. Worker starts
// and exits (never items) take a small mutex, so the last worker out is really the last: no
// worker starts once the count has reached zero. Every worker record (and its plugin state) is
// kept until the end: `flush` sees the states of all workers that ever ran.
// Thread-safety: construct, start, scale, join and report from one thread; workers are internal.
#pragma once

#include <wprun/plugin_abi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "detail/error.h"
#include "engine/append_list.h"
#include "engine/host_api.h"
#include "engine/policy/adaptive_gate.h"
#include "engine/policy/call_slot.h"
#include "engine/policy/circuit_breaker.h"
#include "engine/policy/clock.h"
#include "engine/policy/error_budget.h"
#include "engine/policy/retry_policy.h"
#include "engine/policy/token_bucket.h"
#include "engine/policy/worker_scaler.h"
#include "engine/report.h"
#include "engine/run_signals.h"
#include "engine/spec.h"
#include "engine/stage_queue.h"

namespace wprun::engine {

/// Starts a thread running `body`; throws (std::system_error) when none can start. Empty in a
/// stage_config: std::thread. Tests inject one that fails at the k-th call.
using thread_starter = std::function<std::thread(std::function<void()>)>;

/// A worker thread could not start (the process is out of threads): the message names the
/// worker and the stage and says what to do.
struct worker_start_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A stage ready to run: the processor and how to run it.
struct stage_config {
    std::string name;
    std::string processor;  ///< for reports
    const wprun_processor_def* def = nullptr;
    std::vector<std::pair<std::string, std::string>> config;  ///< canonical values
    unsigned workers = 1;                                     ///< >= 1 (resolve `auto` first)
    // Dynamic pool when min_workers > 0 (and max_workers > min_workers); 0 = fixed `workers`.
    unsigned min_workers = 0, max_workers = 0;
    int64_t scale_up_after_ns = 0;  ///< backlog that adds a worker; 0 = one tick
    int64_t idle_ns = 0;            ///< wait for an item after which a worker leaves; 0 = 1s
    /// `workers: adaptive`: `workers` (= max) threads, at most the AIMD limit processing at once.
    std::optional<adaptive_spec> adaptive;
    size_t queue_items = 1024;
    size_t queue_bytes = size_t{64} << 20;
    // Policies, applied to each item in this order: limiter, breaker, timeout, retry, budget.
    std::shared_ptr<token_bucket> limiter;  ///< may be shared with other stages
    std::optional<breaker_spec> breaker;
    int64_t timeout_ns = 0;
    std::optional<retry_spec> retry;
    error_policy_spec on_error;
    std::optional<batch_spec> batch;        ///< group items before calling the processor
    std::optional<priority_spec> priority;  ///< priority lanes in the input queue
    /// Worker lanes in the input queue (`shared`: none); fixed `workers` only, no priority.
    balance_strategy balance = balance_strategy::shared;
    clock* time = nullptr;        ///< nullptr: the system clock (tests inject a manual one)
    thread_starter start_thread;  ///< empty: std::thread (tests inject one that fails)
    location where;
};

class stage {
public:
    /// `index` is the stage's position, 1-based (0 is the source), recorded in failed items.
    stage(stage_config cfg, uint16_t index);
    ~stage();
    stage(const stage&) = delete;
    stage& operator=(const stage&) = delete;

    /// Starts the workers: `begin` then `start_rest`. `forward_markers`: send filtered/cancelled
    /// markers downstream (the ordered sink needs them to complete a source item). An output
    /// larger than `max_item_bytes` fails its input item. Throws worker_start_error when a
    /// thread cannot start (the workers already started still drain their input and finish).
    void start(stage_queue& in,
               stage_queue& out,
               run_signals& signals,
               bool forward_markers,
               uint64_t max_item_bytes = default_max_item_bytes);
    /// Starts the first worker and holds the stage open (no worker can be the last out) until
    /// `start_rest` or `stop_starting`: the pipeline starts the source between the two.
    void begin(stage_queue& in,
               stage_queue& out,
               run_signals& signals,
               bool forward_markers,
               uint64_t max_item_bytes = default_max_item_bytes);
    /// Starts the other workers (`workers`, or `min_workers` of a dynamic stage), then lets
    /// workers leave. Throws worker_start_error (having let them leave) when a thread cannot start.
    void start_rest();
    /// Lets the workers leave without starting more (a run that could not start).
    void stop_starting() noexcept;
    /// Called by the supervising thread each tick, with the stage's clock (`now_ns`). Dynamic
    /// stages: starts one more worker when the input has been backlogged long enough. Adaptive
    /// stages: closes the AIMD window (the concurrency limit may move). Stages with `timeout:`
    /// (and no `batch:`): the watchdog replaces each worker whose call has run past the timeout
    /// plus a grace — it fails the item, starts a replacement with a fresh plugin state, and
    /// abandons the stuck thread, which discards its late result and exits when it returns.
    void scale(int64_t now_ns);
    int64_t clock_ns() const noexcept { return clock_.now_ns(); }
    /// Joins every worker thread ever started. A worker still stuck in a call (see `scale`) gets
    /// up to 2s; then its thread is detached and counted in `stuck_at_exit`.
    void join();
    /// Threads left running in the plugin at the end: the stage (and its plugin instance) must
    /// then outlive them, so its owner leaks it and the process should end with quick_exit.
    uint64_t stuck_at_exit() const noexcept {
        return stuck_at_exit_.load(std::memory_order_relaxed);
    }
    stage_report report() const;
    const stage_config& config() const noexcept { return cfg_; }

private:
    struct worker;
    /// What a replacement takes over from its stuck peer (stage_watch.cpp): the outputs of what
    /// the peer settled from its popped items before the stuck call, the stuck item as a failure,
    /// and the popped items it had not called yet.
    struct handover {
        std::vector<item> outputs;
        std::optional<item> failed;
        std::vector<item> rest;
    };
    void work(worker& w);
    bool dynamic() const noexcept;
    /// Starts a worker (with start_mutex_ held). A replacement for a stuck worker takes over
    /// `inherited` (moved back into it when no thread could start) and serves the stuck one's
    /// `lane` (balance: a lane per worker).
    void spawn(handover* inherited = nullptr, std::optional<unsigned> lane = std::nullopt);
    /// `spawn` for worker `i` of the start; a failure becomes a worker_start_error.
    void spawn_at_start(unsigned i);
    std::thread launch(worker& w);
    void note_scale(int64_t at_ns, unsigned from, unsigned to, const char* reason);
    unsigned busy_workers() const noexcept;
    size_t next(worker& w, stage_queue::consumer& in, item* out, size_t max);
    bool retire();
    bool leave();
    void work_adaptive(worker& w, stage_queue::consumer& in, stage_queue::producer& out);
    void work_gated(worker& w, stage_queue::consumer& in, stage_queue::producer& out);
    uint64_t overload_signals(const worker& w) const noexcept;
    void work_batched(worker& w, stage_queue::consumer& in, stage_queue::producer& out);
    size_t batch_cut(const item* items, size_t n) const noexcept;
    double process_popped(worker& w, item* batch, size_t n, stage_queue::producer& out);
    void run_batch(worker& w, item* batch, size_t n);
    void call_each(worker& w, item* batch, size_t n);
    void call_batch(worker& w, item* batch, size_t n);
    wprun_status invoke(worker& w, item& it, size_t first);
    wprun_status timed_call(worker& w, item& it, uint32_t attempt, circuit_breaker::verdict v);
    wprun_status call_once(worker& w, item& it, uint32_t attempt, bool watch = false);
    bool admitted(circuit_breaker::verdict& v);
    bool retry_after(worker& w, wprun_status st, uint32_t attempt, int64_t started);
    std::string failure_text(wprun_status st, const char* message, uint32_t attempts) const;
    void check_budget();
    /// Limiter, breaker, retry or timeout: each call goes through `invoke` (fixed at construction).
    bool has_call_policies() const noexcept { return call_policies_; }
    void settle(worker& w, item& in, wprun_status st, const char* message, size_t first);
    void adopt_outputs(worker& w, item& in, size_t first);
    void fail(worker& w, item& in, wprun_status st, const char* message);
    void drop(worker& w, item& in, item_kind as);
    void finish(worker& w, stage_queue::producer& out);
    void flush(worker& w, stage_queue::producer& out);
    bool create_worker_state(worker& w);
    // Stuck workers (`timeout:` set): see stage::scale.
    bool watched() const noexcept;
    int64_t stuck_after_ns() const noexcept;
    void watch(int64_t now_ns);
    void replace_stuck(worker& w, int64_t now_ns);
    void take_over(worker& w, stage_queue::producer& out);
    void exit_stuck(worker& w);
    static bool wait_exit(const worker& w, std::chrono::steady_clock::time_point until);

    stage_config cfg_;
    uint16_t index_;
    clock& clock_;
    std::optional<retry_policy> retry_;
    std::unique_ptr<circuit_breaker> breaker_;
    error_budget budget_;
    std::atomic<bool> budget_spent_{false};
    int64_t started_ns_ = 0;
    wprun_stage_context context_;
    void* instance_ = nullptr;
    // Every worker that ever started, exited ones too (appended with start_mutex_ held).
    append_list<worker> workers_;
    std::vector<std::thread> threads_;  // supervising thread only
    std::atomic<unsigned> running_{0};  // changed with start_mutex_ held; read anywhere
    // Held only to start a worker, to let one exit, and for the scale events: never per item.
    mutable std::mutex start_mutex_;
    std::unique_lock<std::mutex> starting_;   // start_mutex_ from `begin` to `start_rest`
    unsigned start_count_ = 0;                // the workers `start_rest` starts up to
    std::vector<scale_event> scaling_;        // with start_mutex_
    unsigned max_seen_ = 0;                   // with start_mutex_
    worker_scaler scaler_;                    // supervising thread only
    std::unique_ptr<adaptive_gate> gate_;     // `workers: adaptive` only
    std::atomic<uint64_t> stuck_{0};          // workers replaced by the watchdog
    std::atomic<uint64_t> stuck_at_exit_{0};  // of those, still in their call when joined
    bool scaling_failed_ = false;             // supervising thread only: a thread could not start
    stage_queue* in_ = nullptr;
    stage_queue* out_ = nullptr;
    run_signals* signals_ = nullptr;
    bool forward_markers_ = false;
    bool call_policies_ = false;
    uint64_t max_item_bytes_ = default_max_item_bytes;
    std::string too_large_text_;  ///< "output larger than max_item_bytes (64MiB)"
};

}  // namespace wprun::engine
