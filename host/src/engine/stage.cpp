#include "engine/stage.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace wprun::engine {
namespace {

constexpr size_t max_batch = 256;
constexpr double target_batch_ns = 100'000;  // ~100 µs of work per batch
constexpr size_t error_capacity = 1024;

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

std::string status_message(wprun_status st, const char* message) {
    std::string text = message && *message ? message : "no message";
    switch (st) {
        case WPRUN_RETRY:
            return "retry requested, but the stage has no retry policy: " + text;
        case WPRUN_FATAL:
            return "fatal: " + text;
        case WPRUN_REJECT:
            return text;
        default:
            return "invalid status " + std::to_string(static_cast<int>(st)) + ": " + text;
    }
}

}  // namespace

struct stage::worker {
    unsigned index = 0;
    void* state = nullptr;
    wprun_emitter emitter;
    std::vector<item> outputs;
    std::vector<item> batch_outputs;
    std::vector<wprun_job> jobs;
    std::vector<wprun_result> results;
    std::vector<char> errors;
    char error[error_capacity] = {};
    size_t want = 1;
    struct {
        std::atomic<uint64_t> in{0}, out{0}, filtered{0}, failed{0}, spawned{0}, cancelled{0},
            busy_ns{0};
    } counts;
};

stage::stage(stage_config cfg, uint16_t index) : cfg_(std::move(cfg)), index_(index) {
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

void stage::start(stage_queue& in, stage_queue& out, run_signals& signals, bool forward_markers) {
    in_ = &in;
    out_ = &out;
    signals_ = &signals;
    forward_markers_ = forward_markers;
    unsigned n = std::max(1u, cfg_.workers);
    running_ = n;
    for (unsigned i = 0; i < n; ++i) {
        workers_.push_back(std::make_unique<worker>());
        workers_.back()->index = i;
        workers_.back()->emitter.stop = &signals.cancel;
    }
    for (auto& w : workers_) threads_.emplace_back([this, &w = *w] { work(w); });
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
    std::vector<item> batch(max_batch);
    unsigned workers = static_cast<unsigned>(workers_.size());
    double avg_ns = 0;
    for (;;) {
        size_t fair = std::max<size_t>(1, in_->size_approx() / workers);
        size_t n = in.pop(batch.data(), std::min(w.want, fair));
        if (n == 0) break;
        uint64_t t0 = now_ns();
        run_batch(w, batch.data(), n);
        uint64_t spent = now_ns() - t0;
        bump(w.counts.busy_ns, spent);
        avg_ns = static_cast<double>(spent) / static_cast<double>(n);
        auto fit = static_cast<size_t>(target_batch_ns / std::max(avg_ns, 1.0));
        w.want = std::clamp<size_t>(std::min(w.want * 2, fit), 1, max_batch);
        if (!w.outputs.empty()) out.push(w.outputs.data(), w.outputs.size());
        w.outputs.clear();
    }
    if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(w, out);
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
    if (cfg_.def->process_batch != nullptr && data > 1)
        call_batch(w, batch, data);
    else
        call_each(w, batch, data);
}

void stage::call_each(worker& w, item* batch, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        item& it = batch[i];
        wprun_job job = to_job(it);
        size_t first = w.outputs.size();
        w.error[0] = '\0';
        wprun_error error{w.error, sizeof w.error};
        w.emitter.out = &w.outputs;
        w.emitter.job = 0;
        wprun_status st = cfg_.def->process(instance_, w.state, &job, &w.emitter, &error);
        settle(w, it, st, w.error, first);
    }
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
    if (w.emitter.out_of_memory) {
        w.emitter.out_of_memory = false;
        st = WPRUN_REJECT;
        message = "out of memory while emitting outputs";
    }
    if (st == WPRUN_OK) return adopt_outputs(w, in, first);
    w.outputs.resize(first);  // outputs of a failed call are discarded
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

void stage::fail(worker& w, item& in, wprun_status st, const char* message) {
    bump(w.counts.failed);
    std::string text = status_message(st, message);
    if (st == WPRUN_FATAL)
        signals_->fail(stop_reason::fatal, "stage '" + cfg_.name + "' stopped the run: " + text);
    in.attempt += 1;
    in.fail(index_, text);
    w.outputs.push_back(std::move(in));
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
    if (cfg_.def->worker_destroy != nullptr)
        for (auto& each : workers_)
            if (each->state != nullptr) cfg_.def->worker_destroy(instance_, each->state);
    out_->producer_done();
}

void stage::flush(worker& w, stage_queue::producer& out) {
    std::vector<void*> states;
    for (auto& each : workers_) states.push_back(each->state);
    w.outputs.clear();
    w.error[0] = '\0';
    wprun_error error{w.error, sizeof w.error};
    w.emitter.out = &w.outputs;
    wprun_status st = cfg_.def->flush(instance_, states.data(), states.size(), &w.emitter, &error);
    if (st != WPRUN_OK) {
        w.outputs.clear();
        signals_->fail(stop_reason::fatal,
                       "stage '" + cfg_.name + "': flush failed: " + status_message(st, w.error));
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
    r.workers = static_cast<unsigned>(workers_.size());
    for (const auto& w : workers_) {
        auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
        r.counts.in += get(w->counts.in);
        r.counts.out += get(w->counts.out);
        r.counts.filtered += get(w->counts.filtered);
        r.counts.failed += get(w->counts.failed);
        r.counts.spawned += get(w->counts.spawned);
        r.counts.cancelled += get(w->counts.cancelled);
        r.counts.busy_ns += get(w->counts.busy_ns);
        r.per_worker_in.push_back(get(w->counts.in));
    }
    if (in_ != nullptr) {
        r.queue_capacity = in_->capacity();
        r.queue_high_water = in_->high_water();
    }
    return r;
}

}  // namespace wprun::engine
