#include "engine/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "engine/reorder_window.h"
#include "engine/terminal_writer.h"

namespace wprun::engine {
namespace {

constexpr size_t source_batch = 256;
constexpr size_t sink_batch = 256;
// How long the sink lets a few items gather before it takes them (see pop_gathered).
constexpr int64_t sink_linger_us = 1000;
constexpr int64_t permit_wait_us = 20'000;
constexpr int64_t checkpoint_wait_us = 100'000;  // item logs: checkpoint at least this often

int64_t wall_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void bump(std::atomic<uint64_t>& c, uint64_t n = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

lane_config lanes_of(const stage_config& cfg) {
    lane_config lanes;
    if (cfg.balance != balance_strategy::shared) {  // one lane per worker (fixed pools only)
        lanes.balance = cfg.balance;
        lanes.workers = std::max(1u, cfg.workers);
        return lanes;
    }
    if (!cfg.priority) return lanes;
    lanes.levels = cfg.priority->levels;
    if (cfg.priority->weighted) {
        lanes.weights = cfg.priority->weights;
        // Default weights: level + 1 (the top level gets `levels` items per turn).
        if (lanes.weights.size() != lanes.levels)
            for (unsigned i = lanes.weights.size(); i < lanes.levels; ++i)
                lanes.weights.push_back(i + 1);
    }
    lanes.aging_ns = cfg.priority->aging_ns;
    lanes.time = cfg.time;
    return lanes;
}

}  // namespace

struct pipeline::state {
    run_options options;
    run_signals signals;
    std::vector<std::unique_ptr<stage_queue>> queues;  // queues[i] feeds stage i; last feeds sink
    moodycamel::LightweightSemaphore window;           // ordered: free places in the window
    std::vector<std::string> stage_names;              // by item.stage: 0 = source
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::atomic<bool> sink_done{false};
    moodycamel::LightweightSemaphore finished;  // signalled once by the sink thread
    std::atomic<uint64_t> read{0}, source_failed{0}, written{0}, sink_cancelled{0}, skipped{0},
        other_shards{0};
    std::atomic<bool> source_exhausted{false};  // the source returned 0 (not stopped)
    int64_t interrupted_at = -1;                // supervising thread: when `grace` began
    std::optional<uint64_t> total;  // from source::total(), set before any thread starts
    source* src = nullptr;          // told once when intake stops (source::request_stop)
    bool source_told = false;       // supervising thread only

    explicit state(const run_options& o)
        : options(o), window(static_cast<ssize_t>(std::max<size_t>(o.window, 1))) {}
};

/// What reaches the sink without item logs: outputs are written (in source order through the
/// reorder window when ordered), failures go to the error sink, flush outputs wait for the end.
/// Everything under one lock: with a cheap sink (`sink::cheap`) and no item logs the last
/// stage's workers hand their batches in themselves (stage_queue::deliver_to), with no sink
/// thread hop; otherwise only the sink thread does.
class pipeline::sink_feed {
public:
    sink_feed(state& st, sink& out, error_sink& errors)
        : st_(st),
          out_(out),
          errors_(errors),
          ordered_(st.options.ordered),
          window_(ordered_ ? st.options.window : 1) {}

    void take(item* batch, size_t n) {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < n; ++i) {
            item& it = batch[i];
            if (it.kind == item_kind::failed) record_failure(it);
            if (it.kind == item_kind::data && it.seq == tail_seq)
                tail_.push_back(std::move(it));
            else if (!ordered_ && it.kind == item_kind::data)
                write(it);
            else if (ordered_ && it.kind == item_kind::data)
                window_.add(std::move(it));
            else if (ordered_ && it.seq != tail_seq)  // flush outputs are not in the window
                window_.complete(it.seq, it.weight);
        }
        if (ordered_)
            st_.window.signal(
                static_cast<ssize_t>(window_.release([this](const item& it) { write(it); })));
    }

    /// After the last batch: what never completed is cancelled, flush outputs are written in
    /// path order, and both outputs are closed.
    void finish() {
        std::lock_guard lock(mutex_);
        bump(st_.sink_cancelled, window_.unfinished());
        std::stable_sort(tail_.begin(), tail_.end(),
                         [](const item& a, const item& b) { return a.path() < b.path(); });
        for (const item& it : tail_) write(it);
        try {
            out_.close();
            errors_.close();
        } catch (const std::exception& e) {
            st_.signals.fail(stop_reason::error, std::string("closing the output: ") + e.what());
        }
    }

private:
    void write(const item& it) {
        if (broken_) return bump(st_.sink_cancelled);
        try {
            out_.write(it);
            bump(st_.written);
        } catch (const std::exception& e) {
            broken_ = true;
            bump(st_.sink_cancelled);
            st_.signals.fail(stop_reason::error, std::string("sink: ") + e.what());
        }
    }
    void record_failure(const item& it) {
        try {
            errors_.write(failure{it, st_.stage_names.at(it.stage), it.error()});
        } catch (const std::exception& e) {
            st_.signals.fail(stop_reason::error, std::string("error output: ") + e.what());
        }
    }

    state& st_;
    sink& out_;
    error_sink& errors_;
    bool ordered_;
    std::mutex mutex_;
    reorder_window window_;
    std::vector<item> tail_;
    bool broken_ = false;
};

pipeline::pipeline(std::vector<stage_config> stages) {
    uint16_t index = 1;
    for (auto& cfg : stages) stages_.push_back(std::make_unique<stage>(std::move(cfg), index++));
}

/// What a thread still stuck in a plugin at the end of a run (see stage::join) may touch when
/// it comes back: its stage (with the plugin instance) and the run's queues and signals. They
/// are kept here, never freed, on purpose; the CLI then ends the process with quick_exit.
void pipeline::keep_for_stuck_threads(std::unique_ptr<state> st) {
    static std::mutex kept_mutex;
    static auto* stages = new std::vector<std::unique_ptr<stage>>();
    static auto* states = new std::vector<std::unique_ptr<state>>();
    std::lock_guard lock(kept_mutex);
    states->push_back(std::move(st));
    for (auto& s : stages_)
        if (s->stuck_at_exit() > 0) stages->push_back(std::move(s));
    std::erase(stages_, nullptr);
}

pipeline::~pipeline() = default;

run_report pipeline::run(source& src, sink& out, error_sink& errors, const run_options& options) {
    if (options.ordered && options.part.count > 1)
        throw std::invalid_argument("sharding needs an unordered sink");
    auto holder = std::make_unique<state>(options);
    state& st = *holder;
    st.total = src.total();
    st.src = &src;
    if (st.total && options.part.count > 1) {
        const shard& p = options.part;
        st.total = *st.total > p.index ? (*st.total - p.index + p.count - 1) / p.count : 0;
    }
    st.stage_names.push_back("source");
    for (const auto& s : stages_) {
        const stage_config& cfg = s->config();
        st.queues.push_back(
            std::make_unique<stage_queue>(cfg.queue_items, cfg.queue_bytes, 1, lanes_of(cfg)));
        st.stage_names.push_back(s->config().name);
    }
    st.queues.push_back(std::make_unique<stage_queue>(options.sink_queue, 0));
    bool logged = !options.logs.empty();  // item logs need every marker at the sink
    sink_feed feed(st, out, errors);
    if (!logged && out.cheap())  // before any thread may push
        st.queues.back()->deliver_to([&feed](item* items, size_t n) { feed.take(items, n); });
    // The sink first (if it cannot start, nothing else has), then one worker per stage, then
    // the source (its first items find a worker everywhere), then the other workers: items flow
    // while they start. Each stage is held open until all its workers started.
    std::thread sink_thread([&] {
        if (logged)
            write_sink_logged(st, out, errors);
        else
            write_sink(st, feed);
    });
    std::optional<std::thread> source_thread;
    size_t begun = 0;
    try {
        for (; begun < stages_.size(); ++begun)
            stages_[begun]->begin(*st.queues[begun], *st.queues[begun + 1], st.signals,
                                  options.ordered || logged, options.max_item_bytes);
        try {
            source_thread.emplace([&] { read_source(st, src); });
        } catch (const std::exception& e) {
            throw worker_start_error(std::string("cannot start the source thread: ") + e.what() +
                                     "; lower workers: or raise ulimit -u");
        }
        for (auto& s : stages_) s->start_rest();
    } catch (const worker_start_error& e) {
        abandon_start(st, e.what(), begun, source_thread.has_value());
    } catch (const std::exception& e) {  // say, out of memory: still no thread left blocked
        abandon_start(st, std::string("cannot start the run: ") + e.what(), begun,
                      source_thread.has_value());
    }
    spdlog::info("run started: {} stage(s){}", stages_.size(), options.ordered ? ", ordered" : "");
    supervise(st, options);
    if (source_thread) source_thread->join();
    for (auto& s : stages_) s->join();
    sink_thread.join();
    run_report report = snapshot(st);
    const ledger& l = report.totals;
    spdlog::info(
        "run finished in {:.3f}s: read {}, written {}, filtered {}, failed {}, cancelled {}",
        report.wall_seconds, l.read, l.written, l.filtered, l.failed, l.cancelled);
    auto stuck = [](const std::unique_ptr<stage>& s) { return s->stuck_at_exit() > 0; };
    if (std::any_of(stages_.begin(), stages_.end(), stuck))
        keep_for_stuck_threads(std::move(holder));
    return report;
}

/// A thread could not start: the run fails and cancels; what started drains and ends. The queues
/// nothing will close are closed here: the source's when it never started, and the output of
/// each stage from `begun` on (those have no worker; no item exists yet when they are skipped).
void pipeline::abandon_start(state& st, const std::string& problem, size_t begun, bool reading) {
    spdlog::error("{}", problem);
    st.signals.fail(stop_reason::error, problem);
    for (auto& s : stages_) s->stop_starting();
    if (!reading) st.queues.front()->producer_done();
    for (size_t i = begun; i < stages_.size(); ++i) st.queues[i + 1]->producer_done();
}

void pipeline::supervise(state& st, const run_options& options) {
    auto deadline = options.deadline.count() > 0 ? st.started + options.deadline
                                                 : std::chrono::steady_clock::time_point::max();
    auto tick_us = std::chrono::duration_cast<std::chrono::microseconds>(options.tick).count();
    while (!st.sink_done.load(std::memory_order_acquire)) {
        if (st.finished.wait(std::max<int64_t>(tick_us, 1000))) break;
        check_interrupts(st, options);
        if (std::chrono::steady_clock::now() >= deadline)
            st.signals.request_cancel(stop_reason::deadline);
        if (!st.source_told && st.signals.stop_intake.load(std::memory_order_relaxed)) {
            st.source_told = true;
            st.src->request_stop();
        }
        for (auto& s : stages_) s->scale(s->clock_ns());  // dynamic stages start threads here
        if (options.on_tick) options.on_tick(snapshot(st));
    }
}

/// First interrupt: stop intake and drain, for at most `grace` when set; second: cancel.
void pipeline::check_interrupts(state& st, const run_options& options) {
    int interrupts = options.interrupts ? options.interrupts->load() : 0;
    if (interrupts >= 2) return st.signals.request_cancel(stop_reason::interrupted);
    if (interrupts != 1) return;
    st.signals.request_stop(stop_reason::interrupted);
    if (options.grace.count() <= 0) return;
    int64_t now = (options.time ? *options.time : system_clock()).now_ns();
    if (st.interrupted_at < 0) st.interrupted_at = now;
    if (now - st.interrupted_at >= options.grace.count())
        st.signals.request_cancel(stop_reason::interrupted);
}

namespace {

/// How the source thread numbers items, stamps their start (item logs) and skips the seqs an
/// earlier run committed (resume). Without item logs or resume it only numbers them.
class admission {
public:
    explicit admission(const run_options& o) : skip_(o.skip ? *o.skip : nothing()), part_(o.part) {
        for (const item_log* l : o.logs) stamp_ = stamp_ || l->wants_times();
        if (o.skip && o.ordered) skip_below_ = o.skip->prefix_end();  // ordered: a prefix
    }
    /// Numbers the `n` items just read, moves those to run to the front and returns how many;
    /// adds the source-failed ones among them to `failed` and those of other shards to `others`.
    size_t admit(item* batch, size_t n, uint64_t& failed, uint64_t& others) {
        size_t kept = 0;
        int64_t now = stamp_ ? wall_ns() : 0;
        for (size_t i = 0; i < n; ++i) {
            uint64_t s = seq_++;
            if (s < skip_below_ && skip_.contains(s)) continue;  // empty: never
            if (!part_.owns(s)) {
                ++others;
                continue;
            }
            item& it = batch[kept++];
            if (kept - 1 != i) it = std::move(batch[i]);
            it.seq = s;
            it.weight = full_weight;
            if (it.kind == item_kind::failed) ++failed;
            if (stamp_) it.ensure_extra().started_ns = now;
        }
        return kept;
    }

private:
    static const seq_set& nothing() {
        static const seq_set empty;
        return empty;
    }

    // A cursor over an empty set when nothing is skipped (not an optional: GCC 12 then warns
    // of a maybe-uninitialized cursor at -O1).
    seq_set::cursor skip_;
    shard part_;
    uint64_t skip_below_ = UINT64_MAX;
    bool stamp_ = false;
    uint64_t seq_ = 0;
};

}  // namespace

void pipeline::read_source(state& st, source& src) {
    stage_queue::producer out(*st.queues.front());
    std::vector<item> batch(source_batch);
    bool ordered = st.options.ordered;
    admission admit(st.options);
    try {
        while (!st.signals.stop_intake.load(std::memory_order_relaxed)) {
            size_t want = source_batch;
            if (ordered) {
                ssize_t got = st.window.waitMany(static_cast<ssize_t>(want), permit_wait_us);
                if (got <= 0) continue;
                want = static_cast<size_t>(got);
            }
            // A fresh item in each place (the last batch's were moved out): rebuilt in place,
            // not move-assigned from a temporary.
            for (size_t i = 0; i < want; ++i) {
                std::destroy_at(&batch[i]);
                std::construct_at(&batch[i]);
            }
            size_t n = src.read(batch.data(), want);
            if (ordered && n < want) st.window.signal(static_cast<ssize_t>(want - n));
            if (n == 0) {
                st.source_exhausted.store(true, std::memory_order_relaxed);
                break;
            }
            uint64_t failed = 0, others = 0;
            size_t kept = admit.admit(batch.data(), n, failed, others);
            if (others > 0) bump(st.other_shards, others);
            if (kept < n) {
                bump(st.skipped, n - kept - others);
                if (ordered) st.window.signal(static_cast<ssize_t>(n - kept));
            }
            if (failed > 0) bump(st.source_failed, failed);
            bump(st.read, kept);
            if (kept > 0) out.push(batch.data(), kept);
        }
    } catch (const std::exception& e) {
        st.signals.fail(stop_reason::error, std::string("source: ") + e.what());
    }
    st.queues.front()->producer_done();
}

void pipeline::write_sink(state& st, sink_feed& feed) {
    stage_queue::consumer in(*st.queues.back());
    std::vector<item> batch(sink_batch);
    // Wake for a quarter batch at a time (not for each worker's push); ordered, no more than a
    // quarter of the window, which is all the source may have in flight.
    size_t mark = std::min(sink_batch, st.options.ordered ? st.options.window : sink_batch) / 4;
    while (size_t n = in.pop_gathered(batch.data(), sink_batch, mark, sink_linger_us))
        feed.take(batch.data(), n);
    feed.finish();
    st.sink_done.store(true, std::memory_order_release);
    st.finished.signal();
}

// With item logs: every part of a source item is gathered and handled whole (terminal_writer),
// and the logs get a checkpoint after each batch and at the end.
void pipeline::write_sink_logged(state& st, sink& out, error_sink& errors) {
    stage_queue::consumer in(*st.queues.back());
    std::vector<item> batch(sink_batch);
    std::vector<item> tail;
    bool ordered = st.options.ordered;
    uint64_t first = ordered && st.options.skip ? st.options.skip->prefix_end() : 0;
    terminal_writer writer(
        {out, errors, st.stage_names, st.options.logs, st.signals, st.written, st.sink_cancelled},
        ordered, st.options.window, first);
    for (;;) {
        size_t n = in.pop_for(batch.data(), sink_batch, checkpoint_wait_us);
        if (n == 0 && st.queues.back()->finished()) break;
        for (size_t i = 0; i < n; ++i) {
            if (batch[i].kind == item_kind::data && batch[i].seq == tail_seq)
                tail.push_back(std::move(batch[i]));
            else
                writer.add(std::move(batch[i]));
        }
        if (ordered) st.window.signal(static_cast<ssize_t>(writer.release()));
        writer.checkpoint({});
    }
    writer.abandon_unfinished();
    std::stable_sort(tail.begin(), tail.end(),
                     [](const item& a, const item& b) { return a.path() < b.path(); });
    for (const item& it : tail) writer.write(it);
    bool complete = st.source_exhausted.load(std::memory_order_relaxed) &&
                    !st.signals.cancel.load() && st.signals.problems().empty();
    writer.checkpoint({true, false, complete});
    try {
        out.close();
        errors.close();
    } catch (const std::exception& e) {
        st.signals.fail(stop_reason::error, std::string("closing the output: ") + e.what());
    }
    st.sink_done.store(true, std::memory_order_release);
    st.finished.signal();
}

run_report pipeline::snapshot(const state& st) const {
    run_report r;
    auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
    r.totals.read = get(st.read);
    r.total = st.total;
    r.totals.written = get(st.written);
    r.totals.failed = get(st.source_failed);
    r.totals.cancelled = get(st.sink_cancelled);
    for (const auto& s : stages_) {
        r.stages.push_back(s->report());
        const stage_counts& c = r.stages.back().counts;
        r.totals.filtered += c.filtered;
        r.totals.failed += c.failed;
        r.totals.cancelled += c.cancelled;
        r.totals.spawned += c.spawned;
    }
    r.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - st.started).count();
    r.stopped = st.signals.reason();
    r.problems = st.signals.problems();
    r.ordered = st.options.ordered;
    r.skipped = get(st.skipped);
    r.other_shards = get(st.other_shards);
    r.shard_index = st.options.part.index;
    r.shard_count = st.options.part.count;
    return r;
}

}  // namespace wprun::engine
