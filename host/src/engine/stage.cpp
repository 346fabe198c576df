#include "engine/stage.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace wprun::engine {
namespace {

constexpr size_t max_batch = 256;
constexpr double target_batch_ns = 100'000;  // ~100 µs of work per batch
constexpr size_t error_capacity = 1024;
constexpr int64_t default_idle_ns = 1'000'000'000;

uint64_t now_ns() noexcept {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

/// Single-writer counter readable from other threads (progress) without a locked add.
void bump(std::atomic<uint64_t>& c, uint64_t n = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

wprun_job to_job(const item& it) noexcept {
    std::string_view key = it.key();
    return wprun_job{sizeof(wprun_job),        {it.payload.data(), it.payload.size()},
                     {key.data(), key.size()}, it.seq,
                     it.attempt + 1,           it.priority};
}

void append_index(item& child, uint32_t index) {
    std::string& path = child.ensure_extra().path;
    for (int shift = 24; shift >= 0; shift -= 8)
        path.push_back(static_cast<char>((index >> shift) & 0xff));
}

/// Not a plugin status: the item was cancelled while a policy held it (limiter, breaker, backoff).
constexpr auto status_cancelled = static_cast<wprun_status>(-1);

uint64_t next_random(uint64_t& state) noexcept {  // xorshift64: jitter needs no better
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

std::string format_ms(int64_t ns) {
    return ns % 1'000'000 == 0 ? std::to_string(ns / 1'000'000) + "ms"
                               : std::to_string(ns / 1000) + "us";
}

}  // namespace

struct stage::worker {
    unsigned index = 0;
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    latency_histogram latency;
    void* state = nullptr;
    wprun_emitter emitter;
    std::vector<item> outputs;
    std::vector<item> batch_outputs;
    std::vector<wprun_job> jobs;
    std::vector<wprun_result> results;
    std::vector<char> errors;
    char error[error_capacity] = {};
    size_t want = 1;
    std::atomic<bool> busy{false};  // in a call (scale-up looks at it)
    bool retired = false;           // left while idle (not the last out)
    struct {
        std::atomic<uint64_t> in{0}, out{0}, filtered{0}, failed{0}, spawned{0}, cancelled{0},
            retried{0}, timed_out{0}, limiter_waits{0}, limiter_waited_ns{0}, circuit_open{0},
            batches{0}, busy_ns{0};
    } counts;
};

stage::stage(stage_config cfg, uint16_t index)
    : cfg_(std::move(cfg)),
      index_(index),
      clock_(cfg_.time ? *cfg_.time : system_clock()),
      budget_(cfg_.on_error),
      scaler_(cfg_.scale_up_after_ns) {
    if (cfg_.retry) retry_.emplace(*cfg_.retry);
    if (cfg_.breaker) breaker_ = std::make_unique<circuit_breaker>(*cfg_.breaker, clock_);
    context_.name = cfg_.name;
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
    if (instance_ != nullptr) cfg_.def->destroy(instance_);
}

void stage::start(stage_queue& in,
                  stage_queue& out,
                  run_signals& signals,
                  bool forward_markers,
                  uint64_t max_item_bytes) {
    max_item_bytes_ = max_item_bytes;
    too_large_text_ = "output larger than max_item_bytes (" + size_text(max_item_bytes) + ")";
    in_ = &in;
    out_ = &out;
    signals_ = &signals;
    forward_markers_ = forward_markers;
    unsigned n = dynamic() ? cfg_.min_workers : std::max(1u, cfg_.workers);
    threads_.reserve(dynamic() ? cfg_.max_workers : n);
    started_ns_ = clock_.now_ns();
    std::lock_guard lock(start_mutex_);  // no worker may finish the stage before all started
    for (unsigned i = 0; i < n; ++i) spawn();
}

bool stage::dynamic() const noexcept {
    return cfg_.min_workers > 0 && cfg_.max_workers > cfg_.min_workers;
}

void stage::spawn() {
    auto slot = static_cast<unsigned>(workers_.size());
    worker& w = workers_.prepare();
    w.index = slot;
    w.rng += slot * 0x632be59bd9b4e019ULL;
    w.emitter.stop = &signals_->cancel;
    w.emitter.time = &clock_;
    w.emitter.max_bytes = max_item_bytes_;
    unsigned running = running_.fetch_add(1, std::memory_order_relaxed) + 1;
    try {
        threads_.emplace_back([this, &w] { work(w); });
    } catch (...) {
        running_.fetch_sub(1, std::memory_order_relaxed);
        workers_.discard();  // never published: no other thread looked at it
        throw;
    }
    workers_.publish();
    max_seen_ = std::max(max_seen_, running);
}

void stage::scale(int64_t now_ns) {
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
    scaling_.push_back({static_cast<double>(at_ns - started_ns_) / 1e9, from, to, reason});
}

unsigned stage::busy_workers() const noexcept {
    unsigned busy = 0;
    for (size_t i = 0, n = workers_.size(); i < n; ++i)
        busy += workers_[i].busy.load(std::memory_order_relaxed);
    return busy;
}

void stage::join() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
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
    create_worker_state(w);
    stage_queue::consumer in(*in_);
    stage_queue::producer out(*out_);
    if (cfg_.batch)
        work_batched(w, in, out);
    else
        work_adaptive(w, in, out);
    if (!w.retired && leave()) finish(w, out);
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
        auto fit = static_cast<size_t>(target_batch_ns / std::max(avg_ns, 1.0));
        w.want = std::clamp<size_t>(std::min(w.want * 2, fit), 1, max_batch);
    }
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
    for (size_t i = 0; i < n; ++i) {
        item& it = batch[i];
        size_t first = w.outputs.size();
        wprun_status st = has_call_policies() ? invoke(w, it, first) : call_once(w, it, 1);
        settle(w, it, st, w.error, first);
    }
}

bool stage::has_call_policies() const noexcept {
    return cfg_.limiter || breaker_ || retry_ || cfg_.timeout_ns > 0;
}

// The policies around one item: limiter → breaker → call (with timeout) → retry with backoff.
wprun_status stage::invoke(worker& w, item& it, size_t first) {
    int64_t started = clock_.now_ns();
    for (uint32_t attempt = 1;; ++attempt) {
        if (int64_t wait = cfg_.limiter ? cfg_.limiter->reserve() : 0; wait > 0) {
            bump(w.counts.limiter_waits);
            bump(w.counts.limiter_waited_ns, static_cast<uint64_t>(wait));
            if (!clock_.sleep_for(wait, &signals_->cancel)) return status_cancelled;
        }
        circuit_breaker::verdict v = circuit_breaker::verdict::allow;
        if (breaker_ && !admitted(v)) {
            if (signals_->cancel.load(std::memory_order_relaxed)) return status_cancelled;
            std::snprintf(w.error, sizeof w.error, "circuit open");
            bump(w.counts.circuit_open);
            return WPRUN_REJECT;
        }
        wprun_status st = timed_call(w, it, attempt, v);
        if (!retry_after(w, st, attempt, started)) return st;
        w.outputs.resize(first);  // a retry starts again from the original input
    }
}

bool stage::admitted(circuit_breaker::verdict& v) {
    for (v = breaker_->admit(); v == circuit_breaker::verdict::reject; v = breaker_->admit()) {
        if (!cfg_.breaker->when_open_wait) return false;
        int64_t wait = std::max<int64_t>(breaker_->reopens_in_ns(), 1'000'000);
        if (!clock_.sleep_for(wait, &signals_->cancel)) return false;
    }
    return true;
}

wprun_status stage::timed_call(worker& w, item& it, uint32_t attempt, circuit_breaker::verdict v) {
    int64_t t0 = clock_.now_ns();
    w.emitter.deadline_ns = cfg_.timeout_ns > 0 ? static_cast<uint64_t>(t0 + cfg_.timeout_ns) : 0;
    wprun_status st = call_once(w, it, attempt);
    int64_t spent = clock_.now_ns() - t0;
    w.emitter.deadline_ns = 0;
    w.latency.record(spent);
    bool late = cfg_.timeout_ns > 0 && spent > cfg_.timeout_ns && st != WPRUN_FATAL;
    if (late) {
        bump(w.counts.timed_out);
        std::snprintf(w.error, sizeof w.error, "timed out after %s",
                      format_ms(cfg_.timeout_ns).c_str());
        st = retry_ ? WPRUN_RETRY : WPRUN_REJECT;  // a retry policy may try a slow call again
    }
    if (breaker_) breaker_->record(v, st != WPRUN_RETRY && !late);
    return st;
}

bool stage::retry_after(worker& w, wprun_status st, uint32_t attempt, int64_t started) {
    if (st != WPRUN_RETRY || !retry_) return false;
    auto hint = static_cast<int64_t>(std::min<uint64_t>(w.emitter.retry_after_ns, INT64_MAX));
    auto delay =
        retry_->delay_before(attempt + 1, clock_.now_ns() - started, next_random(w.rng), hint);
    if (!delay) return false;
    bump(w.counts.retried);
    return *delay <= 0 || clock_.sleep_for(*delay, &signals_->cancel);
}

wprun_status stage::call_once(worker& w, item& it, uint32_t attempt) {
    wprun_job job = to_job(it);
    job.attempt = attempt;
    it.attempt = attempt;
    w.error[0] = '\0';
    wprun_error error{w.error, sizeof w.error};
    w.emitter.job = 0;
    w.emitter.retry_after_ns = 0;
    return cfg_.def->process(instance_, w.state, &job, &w.emitter, &error);
}

void stage::call_batch(worker& w, item* batch, size_t n) {
    w.jobs.resize(n);
    w.results.resize(n);
    w.errors.assign(n * error_capacity, '\0');
    for (size_t i = 0; i < n; ++i) {
        w.jobs[i] = to_job(batch[i]);
        w.results[i] = {WPRUN_OK, {&w.errors[i * error_capacity], error_capacity}};
    }
    w.batch_outputs.clear();
    w.emitter.out = &w.batch_outputs;
    w.emitter.job = 0;
    cfg_.def->process_batch(instance_, w.state, w.jobs.data(), n, &w.emitter, w.results.data());
    // Outputs carry their job's index in `seq` until settled; group them by job, keeping order.
    std::stable_sort(w.batch_outputs.begin(), w.batch_outputs.end(),
                     [](const item& a, const item& b) { return a.seq < b.seq; });
    auto next = w.batch_outputs.begin();
    for (size_t i = 0; i < n; ++i) {
        size_t first = w.outputs.size();
        for (; next != w.batch_outputs.end() && next->seq == i; ++next)
            w.outputs.push_back(std::move(*next));
        settle(w, batch[i], w.results[i].status, w.results[i].error.message, first);
    }
}

void stage::settle(worker& w, item& in, wprun_status st, const char* message, size_t first) {
    if (w.emitter.out_of_memory || w.emitter.too_large) {
        st = WPRUN_REJECT;
        message =
            w.emitter.too_large ? too_large_text_.c_str() : "out of memory while emitting outputs";
        w.emitter.out_of_memory = w.emitter.too_large = false;
    }
    if (st == WPRUN_OK) return adopt_outputs(w, in, first);
    w.outputs.resize(first);  // outputs of a failed call are discarded
    // A call that gave up because the run was cancelled (should_stop) did not fail its item.
    bool cancelled = st != WPRUN_FATAL && signals_->cancel.load(std::memory_order_relaxed);
    if (st == status_cancelled || cancelled) return drop(w, in, item_kind::cancelled);
    fail(w, in, st, message);
}

void stage::adopt_outputs(worker& w, item& in, size_t first) {
    size_t n = w.outputs.size() - first;
    if (n == 0) return drop(w, in, item_kind::filtered);
    bump(w.counts.out, n);
    bump(w.counts.spawned, n - 1);
    uint64_t share = in.weight / n;
    for (size_t i = 0; i < n; ++i) {
        item& o = w.outputs[first + i];
        o.seq = in.seq;
        o.priority = in.priority;
        o.weight = share + (i == 0 ? in.weight % n : 0);
        if (n == 1) {
            o.extra = std::move(in.extra);
        } else {
            if (in.extra) o.ensure_extra() = {in.extra->key, in.extra->path, {}};
            append_index(o, static_cast<uint32_t>(i));
        }
    }
}

std::string stage::failure_text(wprun_status st, const char* message, uint32_t attempts) const {
    std::string text = message && *message ? message : "no message";
    switch (st) {
        case WPRUN_RETRY:
            return retry_ ? "gave up after " + std::to_string(attempts) + " attempt(s): " + text
                          : "retry requested, but the stage has no retry policy: " + text;
        case WPRUN_FATAL:
            return "fatal: " + text;
        case WPRUN_REJECT:
            return text;
        default:
            return "invalid status " + std::to_string(static_cast<int>(st)) + ": " + text;
    }
}

void stage::fail(worker& w, item& in, wprun_status st, const char* message) {
    bump(w.counts.failed);
    std::string text = failure_text(st, message, in.attempt);
    if (st == WPRUN_FATAL)
        signals_->fail(stop_reason::fatal, "stage '" + cfg_.name + "' stopped the run: " + text);
    in.fail(index_, text);
    w.outputs.push_back(std::move(in));
    if (budget_.active()) check_budget();
}

void stage::check_budget() {
    uint64_t failed = 0, taken = 0;
    for (size_t i = 0, n = workers_.size(); i < n; ++i) {
        failed += workers_[i].counts.failed.load(std::memory_order_relaxed);
        taken += workers_[i].counts.in.load(std::memory_order_relaxed);
    }
    if (!budget_.exceeded(failed, taken) || budget_spent_.exchange(true)) return;
    signals_->stop(stop_reason::error_limit,
                   "stage '" + cfg_.name + "': " + std::to_string(failed) +
                       " failure(s) exceed its error budget (on_error/max_errors); intake stopped");
}

void stage::drop(worker& w, item& in, item_kind as) {
    bump(as == item_kind::filtered ? w.counts.filtered : w.counts.cancelled);
    if (!forward_markers_) return;
    in.kind = as;
    in.payload.clear();
    w.outputs.push_back(std::move(in));
}

void stage::finish(worker& w, stage_queue::producer& out) {
    if (cfg_.def->flush != nullptr && !signals_->cancel.load(std::memory_order_relaxed))
        flush(w, out);
    // Every worker that ever started has left (none can start now): all their states are here.
    size_t n = workers_.size();
    if (cfg_.def->worker_destroy != nullptr)
        for (size_t i = 0; i < n; ++i)
            if (workers_[i].state != nullptr)
                cfg_.def->worker_destroy(instance_, workers_[i].state);
    out_->producer_done();
}

void stage::flush(worker& w, stage_queue::producer& out) {
    std::vector<void*> states;
    for (size_t i = 0, n = workers_.size(); i < n; ++i) states.push_back(workers_[i].state);
    w.outputs.clear();
    w.error[0] = '\0';
    wprun_error error{w.error, sizeof w.error};
    w.emitter.out = &w.outputs;
    wprun_status st = cfg_.def->flush(instance_, states.data(), states.size(), &w.emitter, &error);
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
    }
    return r;
}

}  // namespace wprun::engine
