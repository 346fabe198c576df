#include "engine/stage.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "engine/log_origin.h"
#include "engine/stage_worker.h"

namespace wprun::engine {

stage::stage(stage_config cfg, uint16_t index)
    : cfg_(std::move(cfg)),
      index_(index),
      clock_(cfg_.time ? *cfg_.time : system_clock()),
      budget_(cfg_.on_error),
      scaler_(cfg_.scale_up_after_ns) {
    if (cfg_.balance != balance_strategy::shared && (dynamic() || cfg_.priority))
        throw startup_error(exit_code::usage, cfg_.where,
                            "stage '" + cfg_.name +
                                "': balance: " + std::string(balance_name(cfg_.balance)) +
                                " needs a fixed worker count and no priority");
    if (cfg_.retry) retry_.emplace(*cfg_.retry);
    if (cfg_.breaker) breaker_ = std::make_unique<circuit_breaker>(*cfg_.breaker, clock_);
    call_policies_ = cfg_.limiter || breaker_ || retry_ || cfg_.timeout_ns > 0;
    context_.name = cfg_.name;
    context_.processor = cfg_.processor;
    std::vector<wprun_config_entry> entries;
    for (const auto& [k, v] : cfg_.config) entries.push_back({k.c_str(), v.c_str()});
    wprun_config config{sizeof(wprun_config), entries.data(), entries.size(), cfg_.name.c_str()};
    char message[error_capacity] = {};
    wprun_error error{message, sizeof message};
    wprun_status st = cfg_.def->create(&context_, &config, &instance_, &error);
    if (st != WPRUN_OK) {
        instance_ = nullptr;
        throw startup_error(
            exit_code::usage, cfg_.where,
            "stage '" + cfg_.name + "': processor '" + cfg_.processor +
                "' rejected its config: " + (*message ? message : "no reason given"));
    }
}

stage::~stage() {
    join();
    // A thread still stuck in the plugin may come back: its instance must stay (see pipeline).
    if (instance_ != nullptr && stuck_at_exit() == 0) cfg_.def->destroy(instance_);
}

void stage::start(stage_queue& in,
                  stage_queue& out,
                  run_signals& signals,
                  bool forward_markers,
                  uint64_t max_item_bytes) {
    begin(in, out, signals, forward_markers, max_item_bytes);
    start_rest();
}

void stage::begin(stage_queue& in,
                  stage_queue& out,
                  run_signals& signals,
                  bool forward_markers,
                  uint64_t max_item_bytes) {
    // spdlog's registry is built on first use; build it here, before any worker starts, so that
    // the workers' first log lines find it made (a thread start orders them after it). Its lazy
    // construction in the uninstrumented libspdlog is otherwise a data race report under TSan.
    spdlog::default_logger_raw();
    max_item_bytes_ = max_item_bytes;
    too_large_text_ = "output larger than max_item_bytes (" + size_text(max_item_bytes) + ")";
    in_ = &in;
    out_ = &out;
    signals_ = &signals;
    forward_markers_ = forward_markers;
    start_count_ = dynamic() ? cfg_.min_workers : std::max(1u, cfg_.workers);
    threads_.reserve(dynamic() ? cfg_.max_workers : start_count_);
    started_ns_ = clock_.now_ns();
    if (cfg_.adaptive)
        gate_ = std::make_unique<adaptive_gate>(limit_params(*cfg_.adaptive), started_ns_);
    // Held until start_rest: no worker may finish the stage before all have started, so the
    // reported worker count never depends on how fast the first ones drained their input.
    starting_ = std::unique_lock(start_mutex_);
    spawn_at_start(0);
}

void stage::start_rest() {
    for (unsigned i = static_cast<unsigned>(workers_.size()); i < start_count_; ++i)
        spawn_at_start(i);
    stop_starting();
    log_scope scope(cfg_.name);
    spdlog::info("started {} worker(s)", start_count_);
}

void stage::stop_starting() noexcept {
    if (starting_.owns_lock()) starting_.unlock();
}

void stage::spawn_at_start(unsigned i) {
    try {
        spawn();
    } catch (const std::exception& e) {
        stop_starting();
        throw worker_start_error("cannot start worker thread " + std::to_string(i + 1) +
                                 " of stage '" + cfg_.name + "': " + e.what() +
                                 "; lower workers: or raise ulimit -u");
    }
}

std::thread stage::launch(worker& w) {
    if (cfg_.start_thread) return cfg_.start_thread([this, &w] { work(w); });
    return std::thread([this, &w] { work(w); });
}

bool stage::dynamic() const noexcept {
    return cfg_.min_workers > 0 && cfg_.max_workers > cfg_.min_workers;
}

void stage::spawn(handover* inherited, std::optional<unsigned> lane) {
    auto slot = static_cast<unsigned>(workers_.size());
    worker& w = workers_.prepare();
    w.index = slot;
    w.lane = lane.value_or(slot);
    w.rng += slot * 0x632be59bd9b4e019ULL;
    w.emitter.stop = &signals_->cancel;
    w.emitter.time = &clock_;
    w.emitter.max_bytes = max_item_bytes_;
    if (inherited != nullptr) w.inherited = std::move(*inherited);
    unsigned running = running_.fetch_add(1, std::memory_order_relaxed) + 1;
    bool placed = false;
    try {
        threads_.emplace_back();  // its place first: a thread that started is always kept
        placed = true;
        threads_.back() = launch(w);
    } catch (...) {
        if (placed) threads_.pop_back();
        if (inherited != nullptr) *inherited = std::move(w.inherited);
        running_.fetch_sub(1, std::memory_order_relaxed);
        workers_.discard();  // never published: no other thread looked at it
        throw;
    }
    workers_.publish();
    max_seen_ = std::max(max_seen_, running);
}

void stage::scale(int64_t now_ns) {
    watch(now_ns);
    if (gate_) {
        if (auto c = gate_->update(now_ns)) {
            std::lock_guard lock(start_mutex_);
            note_scale(now_ns, c->from, c->to, c->reason);
        }
        return;
    }
    if (!dynamic() || in_ == nullptr || scaling_failed_) return;
    unsigned running = running_.load(std::memory_order_relaxed);
    bool backlog = worker_scaler::backlogged(in_->size_approx(), running, busy_workers());
    if (!scaler_.due(now_ns, backlog) || signals_->cancel.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(start_mutex_);
    running = running_.load(std::memory_order_relaxed);
    // Zero running: the last worker has left (or is finishing the stage); nothing may start.
    if (running == 0 || running >= cfg_.max_workers || in_->finished()) return;
    try {
        spawn();
    } catch (const std::system_error&) {
        scaling_failed_ = true;  // out of threads: keep the workers there are
        return;
    }
    note_scale(now_ns, running, running + 1, "backlog");
}

void stage::note_scale(int64_t at_ns, unsigned from, unsigned to, const char* reason) {
    log_scope scope(cfg_.name);
    spdlog::info("workers {} -> {} ({})", from, to, reason);
    scaling_.push_back({static_cast<double>(at_ns - started_ns_) / 1e9, from, to, reason});
}

unsigned stage::busy_workers() const noexcept {
    unsigned busy = 0;
    for (size_t i = 0, n = workers_.size(); i < n; ++i)
        busy += workers_[i].busy.load(std::memory_order_relaxed);
    return busy;
}

void stage::join() {
    stop_starting();  // else no worker could leave
    auto until = std::chrono::steady_clock::now() + stuck_join_wait;
    for (size_t i = 0; i < threads_.size(); ++i) {
        if (!threads_[i].joinable()) continue;
        if (workers_[i].slot.abandoned() && !wait_exit(workers_[i], until)) {
            threads_[i].detach();  // still stuck in the plugin: see stuck_at_exit()
            stuck_at_exit_.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        threads_[i].join();
    }
}

bool stage::create_worker_state(worker& w) {
    if (cfg_.def->worker_create == nullptr) return true;
    w.error[0] = '\0';
    wprun_error error{w.error, sizeof w.error};
    if (cfg_.def->worker_create(instance_, &w.state, &error) == WPRUN_OK) return true;
    w.state = nullptr;
    signals_->fail(stop_reason::fatal,
                   "stage '" + cfg_.name + "': could not create a worker: " + std::string(w.error));
    return false;
}

void stage::work(worker& w) {
    w.emitter.owner = std::this_thread::get_id();
    log_scope scope(cfg_.name);  // every line this thread logs names the stage
    spdlog::debug("worker {} started", w.index);
    create_worker_state(w);
    stage_queue::consumer in(*in_, w.lane);  // with worker lanes, lane w.lane
    stage_queue::producer out(*out_);
    if (w.inherited.failed) take_over(w, out);
    if (w.slot.abandoned()) return exit_stuck(w);  // stuck again, in what it took over
    if (gate_)
        work_gated(w, in, out);
    else if (cfg_.batch)
        work_batched(w, in, out);
    else
        work_adaptive(w, in, out);
    if (w.slot.abandoned()) return exit_stuck(w);
    if (!w.retired && leave()) finish(w, out);
    w.exited.store(true, std::memory_order_release);
}

/// Pops like `consumer::pop`. In a dynamic stage, a worker that waited `idle` for an item may
/// leave instead (then 0, with `w.retired` set).
size_t stage::next(worker& w, stage_queue::consumer& in, item* out, size_t max) {
    if (!dynamic()) return in.pop(out, max);
    int64_t idle_ns = cfg_.idle_ns > 0 ? cfg_.idle_ns : default_idle_ns;
    for (;;) {
        if (size_t n = in.pop_for(out, max, std::max<int64_t>(idle_ns / 1000, 1))) return n;
        if (in_->finished()) return 0;
        if ((w.retired = retire())) return 0;
    }
}

/// An idle worker leaves while more than `min_workers` remain (so it is never the last out).
bool stage::retire() {
    std::lock_guard lock(start_mutex_);
    unsigned running = running_.load(std::memory_order_relaxed);
    if (running <= cfg_.min_workers) return false;
    running_.store(running - 1, std::memory_order_relaxed);
    note_scale(clock_.now_ns(), running, running - 1, "idle");
    return true;
}

/// A worker is done with its input; true for the last one out, which then finishes the stage.
bool stage::leave() {
    std::lock_guard lock(start_mutex_);
    return running_.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

// Pops as many items as fit ~100 µs of work (and a fair share of the queue) at a time.
void stage::work_adaptive(worker& w, stage_queue::consumer& in, stage_queue::producer& out) {
    std::vector<item> batch(max_batch);
    for (;;) {
        unsigned workers = std::max(1u, running_.load(std::memory_order_relaxed));
        size_t fair = std::max<size_t>(1, in_->size_approx() / workers);
        size_t n = next(w, in, batch.data(), std::min(w.want, fair));
        if (n == 0) break;
        double avg_ns = process_popped(w, batch.data(), n, out);
        if (w.slot.abandoned()) return;
        auto fit = static_cast<size_t>(target_batch_ns / std::max(avg_ns, 1.0));
        w.want = std::clamp<size_t>(std::min(w.want * 2, fit), 1, max_batch);
    }
}

// `workers: adaptive`: a permit from the gate around each popped batch; its latency per item
// and overload signals feed the AIMD limit.
void stage::work_gated(worker& w, stage_queue::consumer& in, stage_queue::producer& out) {
    std::vector<item> batch(max_batch);
    for (;;) {
        gate_->acquire();
        size_t fair = std::max<size_t>(1, in_->size_approx() / std::max(1u, gate_->limit()));
        size_t n = in.pop(batch.data(), std::min(w.want, fair));
        if (n == 0) {
            gate_->release(0, 0, 0);
            break;
        }
        uint64_t signals = overload_signals(w);
        int64_t t0 = clock_.now_ns();
        double avg_ns = process_popped(w, batch.data(), n, out);
        if (w.slot.abandoned()) return;  // the watchdog gave its permit back
        int64_t per_item = (clock_.now_ns() - t0) / static_cast<int64_t>(n);
        gate_->release(per_item, n, overload_signals(w) - signals);
        auto fit = static_cast<size_t>(target_batch_ns / std::max(avg_ns, 1.0));
        w.want = std::clamp<size_t>(std::min(w.want * 2, fit), 1, max_batch);
    }
}

/// What tells the AIMD limit the processor is overloaded: RETRY statuses, retries, timeouts.
uint64_t stage::overload_signals(const worker& w) const noexcept {
    auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
    return get(w.counts.retried) + get(w.counts.timed_out) + get(w.counts.refused);
}

// `batch:` gathers up to `items` items (and `bytes` bytes) for at most `wait` after the first.
void stage::work_batched(worker& w, stage_queue::consumer& in, stage_queue::producer& out) {
    const batch_spec& b = *cfg_.batch;
    std::vector<item> buf(b.items);
    size_t held = 0;
    uint64_t first_at = 0;
    for (;;) {
        size_t got = 0;
        if (held == 0) {
            if ((got = next(w, in, buf.data(), b.items)) == 0) return;  // drained, or idle
            first_at = now_ns();
        } else if (auto left = b.wait_ns - static_cast<int64_t>(now_ns() - first_at); left > 0) {
            got = in.pop_for(buf.data() + held, b.items - held, std::max<int64_t>(left / 1000, 1));
        }
        held += got;
        size_t cut = batch_cut(buf.data(), held);
        if (held < b.items && cut == held && got > 0 && b.wait_ns > 0) continue;  // room left
        bump(w.counts.batches);
        process_popped(w, buf.data(), cut, out);
        std::move(buf.begin() + static_cast<long>(cut), buf.begin() + static_cast<long>(held),
                  buf.begin());
        held -= cut;
        first_at = now_ns();
    }
}

/// How many leading items fit the batch's byte limit (at least one: a big item goes alone).
size_t stage::batch_cut(const item* items, size_t n) const noexcept {
    uint64_t limit = cfg_.batch->bytes, bytes = 0;
    if (limit == 0) return n;
    for (size_t i = 0; i < n; ++i) {
        bytes += items[i].payload.size();
        if (bytes > limit) return std::max<size_t>(i, 1);
    }
    return n;
}

/// Runs items popped together and pushes their outputs; returns the average ns per item.
double stage::process_popped(worker& w, item* batch, size_t n, stage_queue::producer& out) {
    uint64_t t0 = now_ns();
    w.busy.store(true, std::memory_order_relaxed);
    run_batch(w, batch, n);
    w.busy.store(false, std::memory_order_relaxed);
    if (w.slot.abandoned()) {  // its item was settled by the watchdog: discard the late result
        w.outputs.clear();
        return 0;
    }
    uint64_t spent = now_ns() - t0;
    bump(w.counts.busy_ns, spent);
    double avg_ns = static_cast<double>(spent) / static_cast<double>(n);
    // Policies time each call; otherwise a batch's calls share its average (no clock per item).
    if (!has_call_policies()) w.latency.record(static_cast<int64_t>(avg_ns), n);
    if (!w.outputs.empty()) out.push(w.outputs.data(), w.outputs.size());
    w.outputs.clear();
    return avg_ns;
}

void stage::run_batch(worker& w, item* batch, size_t n) {
    bool cancelled = signals_->cancel.load(std::memory_order_relaxed);
    bool usable = cfg_.def->worker_create == nullptr || w.state != nullptr;
    size_t data = 0;
    for (size_t i = 0; i < n; ++i) {
        item& it = batch[i];
        if (it.kind != item_kind::data) {
            w.outputs.push_back(std::move(it));  // markers pass through
        } else if (cancelled || !usable) {
            drop(w, it, item_kind::cancelled);
        } else if (data != i) {
            batch[data++] = std::move(it);  // compact the data items to the front
        } else {
            ++data;
        }
    }
    bump(w.counts.in, data);
    if (data == 0) return;
    if (cfg_.def->process_batch != nullptr && data > 1 && !has_call_policies())
        call_batch(w, batch, data);
    else
        call_each(w, batch, data);
}

void stage::call_each(worker& w, item* batch, size_t n) {
    w.emitter.out = &w.outputs;
    bool policies = has_call_policies();
    for (size_t i = 0; i < n; ++i) {
        item& it = batch[i];
        size_t first = w.outputs.size();
        w.rest = batch + i + 1;  // for the watchdog (stage_watch.cpp)
        w.rest_end = batch + n;
        current_log_origin.seq = it.seq;  // a plugin's log lines name the item
        wprun_status st = policies ? invoke(w, it, first) : call_once(w, it, 1);
        if (st == status_abandoned) return;
        settle(w, it, st, w.error, first);
        current_log_origin.seq = log_origin::no_seq;
    }
}

void stage::finish(worker& w, stage_queue::producer& out) {
    if (cfg_.def->flush != nullptr && !signals_->cancel.load(std::memory_order_relaxed))
        flush(w, out);
    // Every worker that ever started has left (none can start now): all their states are here.
    // A stuck worker's state is its own until its call returns (it destroys it then).
    size_t n = workers_.size();
    if (cfg_.def->worker_destroy != nullptr)
        for (size_t i = 0; i < n; ++i)
            if (!workers_[i].slot.abandoned() && workers_[i].state != nullptr)
                cfg_.def->worker_destroy(instance_, workers_[i].state);
    out_->producer_done();
}

void stage::flush(worker& w, stage_queue::producer& out) {
    std::vector<void*> states;
    for (size_t i = 0, n = workers_.size(); i < n; ++i)
        if (!workers_[i].slot.abandoned()) states.push_back(workers_[i].state);
    w.outputs.clear();
    w.error[0] = '\0';
    wprun_error error{w.error, sizeof w.error};
    w.emitter.out = &w.outputs;
    wprun_status st = cfg_.def->flush(instance_, states.data(), states.size(), &w.emitter, &error);
    w.emitter.out = nullptr;  // the end: an emit from now on is refused
    if (st == WPRUN_OK && w.emitter.misused.load(std::memory_order_relaxed)) {
        st = WPRUN_FATAL;
        std::snprintf(w.error, sizeof w.error, "%s", misused_emit_text);
    }
    if (st != WPRUN_OK) {
        w.outputs.clear();
        signals_->fail(stop_reason::fatal,
                       "stage '" + cfg_.name + "': flush failed: " + failure_text(st, w.error, 1));
        return;
    }
    for (size_t i = 0; i < w.outputs.size(); ++i) {
        w.outputs[i].seq = tail_seq;
        w.outputs[i].weight = 0;
        append_index(w.outputs[i], static_cast<uint32_t>(i));
    }
    bump(w.counts.out, w.outputs.size());
    bump(w.counts.spawned, w.outputs.size());
    if (!w.outputs.empty()) out.push(w.outputs.data(), w.outputs.size());
    w.outputs.clear();
}

stage_report stage::report() const {
    stage_report r;
    r.name = cfg_.name;
    r.processor = cfg_.processor;
    {
        std::lock_guard lock(start_mutex_);
        r.scaling = scaling_;
        r.max_workers_seen = r.workers = max_seen_;
    }
    r.running = running_.load(std::memory_order_relaxed);
    r.stuck_workers = stuck_.load(std::memory_order_relaxed);
    r.stuck_at_exit = stuck_at_exit_.load(std::memory_order_relaxed);
    if (gate_) {  // the workers allowed to process at once, not the threads waiting for a permit
        r.running = gate_->limit();
        r.concurrency = concurrency_report{gate_->limit(), cfg_.adaptive->min, cfg_.adaptive->max};
    }
    r.busy = busy_workers();
    for (size_t i = 0, n = workers_.size(); i < n; ++i) {
        const worker* w = &workers_[i];
        auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
        r.counts.in += get(w->counts.in);
        r.counts.out += get(w->counts.out);
        r.counts.filtered += get(w->counts.filtered);
        r.counts.failed += get(w->counts.failed);
        r.counts.spawned += get(w->counts.spawned);
        r.counts.cancelled += get(w->counts.cancelled);
        r.counts.retried += get(w->counts.retried);
        r.counts.timed_out += get(w->counts.timed_out);
        r.counts.batches += get(w->counts.batches);
        r.counts.busy_ns += get(w->counts.busy_ns);
        r.limiter_waits += get(w->counts.limiter_waits);
        r.limiter_waited_seconds += static_cast<double>(get(w->counts.limiter_waited_ns)) / 1e9;
        r.breaker_rejected += get(w->counts.circuit_open);
        r.per_worker_in.push_back(get(w->counts.in));
        w->latency.merge_into(r.latency);
    }
    if (breaker_) {
        for (const auto& t : breaker_->transitions())
            r.breaker.push_back({static_cast<double>(t.at_ns - started_ns_) / 1e9,
                                 circuit_breaker::name(t.from), circuit_breaker::name(t.to)});
    }
    if (in_ != nullptr) {
        r.queue_capacity = in_->capacity();
        r.queue_high_water = in_->high_water();
        r.queue_depth = in_->size_approx();
        r.per_level_in = in_->taken_per_level();
        r.per_level_max_wait_ns = in_->longest_wait_per_level();
        r.balance = std::string(balance_name(in_->balance()));
        r.steals = in_->stolen();
    }
    return r;
}

}  // namespace wprun::engine
