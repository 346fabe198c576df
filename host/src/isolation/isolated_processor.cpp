#include "isolation/isolated_processor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <system_error>

#include "engine/host_api.h"
#include "isolation/child_process.h"
#include "isolation/protocol.h"

namespace wprun::isolation {
namespace {

constexpr int poll_slice_ms = 50;                   // how often a wait looks at the stop flag
constexpr int64_t start_limit_ns = 60'000'000'000;  // a child that does not start in 60 s is killed
constexpr int stop_grace_ms = 5000;                 // a child that does not exit in 5 s is killed
constexpr int crash_grace_ms = 1000;

int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string duration_text(int64_t ns) {
    return ns % 1'000'000 == 0 ? std::to_string(ns / 1'000'000) + "ms"
                               : std::to_string(ns / 1000) + "us";
}

void write_error(wprun_error* error, std::string_view text) {
    if (error == nullptr || error->capacity == 0) return;
    size_t n = std::min(text.size(), error->capacity - 1);
    std::memcpy(error->message, text.data(), n);
    error->message[n] = '\0';
}

struct instance {
    isolation_target target;
    config_entries config;
    wprun_stage_context context;  // the stage's name, for plugin log lines
};

/// How waiting for a child's `done` ended.
enum class wait_end { done, died, timed_out, cancelled, malformed };

struct worker_state {
    const instance* inst = nullptr;
    child_process child;
    frame_reader reader;
    frame_writer request;
    wprun_status status = WPRUN_OK;  // of the last `done`
    std::string message;             // of the last `done`
};

void forward_log(const instance& inst, frame_cursor& c) {
    auto level = static_cast<wprun_log_level>(c.u32());
    std::string_view text = c.bytes();
    if (!c.bad()) engine::host_api()->log(&inst.context, level, text.data(), text.size());
}

/// Handles one frame from the child; true once it was `done`. Sets `bad` on a malformed frame.
bool handle(worker_state& w, const frame& f, wprun_emitter* out, bool& bad) {
    frame_cursor c(f.body);
    switch (f.type) {
        case frame_type::log:
            forward_log(*w.inst, c);
            break;
        case frame_type::emit: {
            std::string_view payload = c.bytes();
            if (!c.bad() && out != nullptr)
                engine::host_api()->emit(out, payload.data(), payload.size());
            break;
        }
        case frame_type::done: {
            w.status = static_cast<wprun_status>(static_cast<int32_t>(c.u32()));
            w.message = std::string(c.bytes());
            bad = c.bad();
            return !bad;
        }
        default:
            bad = true;
    }
    bad = bad || c.bad();
    return false;
}

bool stopping(const wprun_emitter* out) {
    return out != nullptr && out->stop != nullptr && out->stop->load(std::memory_order_relaxed);
}

/// Reads the child's frames until `done`, the child's end, `deadline` (steady ns; 0: none) or
/// the run's stop flag.
wait_end await_done(worker_state& w, wprun_emitter* out, int64_t deadline) {
    for (;;) {
        bool bad = false;
        while (auto f = w.reader.next())
            if (handle(w, *f, out, bad) || bad) return bad ? wait_end::malformed : wait_end::done;
        int wait_ms = poll_slice_ms;
        if (deadline != 0) {
            int64_t left = deadline - steady_ns();
            if (left <= 0) return wait_end::timed_out;
            wait_ms = static_cast<int>(std::min<int64_t>(wait_ms, (left + 999'999) / 1'000'000));
        }
        if (stopping(out)) return wait_end::cancelled;
        auto r = w.reader.fill(wait_ms);
        if (r == frame_reader::fill_result::eof || r == frame_reader::fill_result::error)
            return wait_end::died;
    }
}

/// Ends the child after `end` and says why, as the item's message.
std::string bury(worker_state& w, wait_end end) {
    const instance& inst = *w.inst;
    switch (end) {
        case wait_end::timed_out:
            w.child.kill_now();
            return "timed out after " + duration_text(inst.target.timeout_ns) + "; worker killed";
        case wait_end::cancelled:
            w.child.kill_now();
            return "run cancelled; worker killed";
        case wait_end::malformed:
            w.child.kill_now();
            return "worker sent a malformed reply; worker killed";
        default:
            return "worker crashed: " + describe_exit(w.child.stop(crash_grace_ms));
    }
}

bool send_request(worker_state& w) {
    return w.request.end() && send_all(w.child.socket(), w.request.data());
}

/// Starts a child and has it load the plugin and create the processor and a worker state.
bool start_child(worker_state& w, std::string& why) {
    const instance& inst = *w.inst;
    try {
        w.child = child_process::spawn(inst.target.worker_binary);
    } catch (const std::system_error& e) {
        why = std::string(e.what()) + " (isolation: process needs the wprun-worker helper)";
        return false;
    }
    w.reader.reset(w.child.socket());
    w.request.clear();
    w.request.begin(frame_type::init);
    w.request.put_bytes(inst.target.plugin_file);
    w.request.put_bytes(inst.target.processor);
    w.request.put_bytes(inst.context.name);
    w.request.put_u32(static_cast<uint32_t>(inst.config.size()));
    for (const auto& [k, v] : inst.config) {
        w.request.put_bytes(k);
        w.request.put_bytes(v);
    }
    wait_end end =
        send_request(w) ? await_done(w, nullptr, steady_ns() + start_limit_ns) : wait_end::died;
    if (end == wait_end::done && w.status == WPRUN_OK) return true;
    if (end == wait_end::done)
        why = w.message;
    else if (end == wait_end::timed_out)
        why = "worker did not start within " + std::to_string(start_limit_ns / 1'000'000'000) + "s";
    else
        why = "worker did not start: " + bury(w, end);
    w.child.kill_now();
    return false;
}

wprun_status failure(const worker_state& w) {
    return w.inst->target.retry ? WPRUN_RETRY : WPRUN_REJECT;
}

/// Sends the request in `w.request` (begun, not ended) and waits for the reply.
wprun_status round_trip(worker_state& w, wprun_emitter* out, int64_t deadline, wprun_error* error) {
    wait_end end = send_request(w) ? await_done(w, out, deadline) : wait_end::died;
    if (end == wait_end::done) {
        write_error(error, w.message);
        return w.status;
    }
    write_error(error, bury(w, end));
    return failure(w);
}

/// The call's deadline on the steady clock (0: none) and the time left to send the child.
int64_t deadline_of(const wprun_emitter* out, int64_t& left) {
    left = 0;
    if (out == nullptr || out->deadline_ns == 0) return 0;
    const engine::clock& time = out->time ? *out->time : engine::system_clock();
    left = std::max<int64_t>(1, static_cast<int64_t>(out->deadline_ns) - time.now_ns());
    return steady_ns() + left;
}

/// Runs `fn`; no exception may cross back into the stage (out of memory is the only one).
template <class Fn>
wprun_status guarded(wprun_error* error, wprun_status on_throw, Fn fn) noexcept {
    try {
        return fn();
    } catch (const std::exception& e) {
        write_error(error, std::string("isolation: ") + e.what());
        return on_throw;
    } catch (...) {
        write_error(error, "isolation: unexpected exception");
        return on_throw;
    }
}

// ---- the processor's C functions ----------------------------------------------------------

wprun_status create_instance(const wprun_stage_context* ctx,
                             const wprun_config* config,
                             void** out,
                             wprun_error* error) {
    auto inst = std::make_unique<instance>();
    inst->context.name = ctx ? ctx->name : (config->stage_name ? config->stage_name : "");
    std::string_view prefix = reserved_prefix;
    for (size_t i = 0; i < config->count; ++i) {
        std::string_view name = config->entries[i].name, value = config->entries[i].value;
        if (!name.starts_with(prefix)) {
            inst->config.emplace_back(name, value);
            continue;
        }
        name.remove_prefix(prefix.size());
        if (name == "worker") inst->target.worker_binary = value;
        if (name == "plugin") inst->target.plugin_file = value;
        if (name == "processor") inst->target.processor = value;
        if (name == "timeout") inst->target.timeout_ns = std::stoll(std::string(value));
        if (name == "retry") inst->target.retry = value == "true";
    }
    // One child checks the config now, so that a refused config stops the run before it starts.
    worker_state probe;
    probe.inst = inst.get();
    std::string why;
    if (!start_child(probe, why)) {
        write_error(error, why);
        return WPRUN_INVALID_CONFIG;
    }
    probe.child.stop(stop_grace_ms);
    *out = inst.release();
    return WPRUN_OK;
}

void destroy(void* inst) { delete static_cast<instance*>(inst); }

wprun_status create_worker(void* inst, void** out, wprun_error* error) {
    auto w = std::make_unique<worker_state>();
    w->inst = static_cast<const instance*>(inst);
    std::string why;
    if (!start_child(*w, why)) {
        write_error(error, why);
        return WPRUN_FATAL;
    }
    *out = w.release();
    return WPRUN_OK;
}

void worker_destroy(void*, void* worker) {
    auto* w = static_cast<worker_state*>(worker);
    w->child.stop(stop_grace_ms);
    delete w;
}

void put_job(frame_writer& request, const wprun_job& job, int64_t left) {
    request.begin(frame_type::process);
    request.put_u64(job.seq);
    request.put_u32(job.attempt);
    request.put_u32(static_cast<uint32_t>(job.priority));
    request.put_u64(static_cast<uint64_t>(left));
    request.put_bytes({job.key.data, job.key.size});
    request.put_bytes({job.payload.data, job.payload.size});
}

/// Sends `jobs` in one write and reads their replies in order. The child works through them one
/// by one and answers each before it starts the next, so the first job without a reply is the
/// one it died on: that job fails, and the jobs after it go to a new child.
void process_jobs(worker_state& w,
                  const wprun_job* jobs,
                  size_t count,
                  wprun_emitter* out,
                  wprun_result* results,
                  size_t& first) {
    while (first < count) {
        std::string why;
        if (!w.child.running() && !start_child(w, why)) {
            for (size_t i = first; i < count; ++i) {
                write_error(&results[i].error, "cannot start a new worker: " + why);
                results[i].status = failure(w);
            }
            return;
        }
        w.request.clear();
        bool sent = true;
        for (size_t i = first; i < count && sent; ++i) {
            put_job(w.request, jobs[i], 0);
            sent = w.request.end();
        }
        sent = sent && send_all(w.child.socket(), w.request.data());
        while (first < count) {
            engine::host_api()->select(out, first);
            wait_end end = sent ? await_done(w, out, 0) : wait_end::died;
            write_error(&results[first].error, end == wait_end::done ? w.message : bury(w, end));
            results[first++].status = end == wait_end::done ? w.status : failure(w);
            if (end != wait_end::done) break;
        }
    }
}

wprun_status process_job(void* worker,
                         const wprun_job* job,
                         wprun_emitter* out,
                         wprun_error* error) {
    auto& w = *static_cast<worker_state*>(worker);
    std::string why;
    if (!w.child.running() && !start_child(w, why)) {
        write_error(error, "cannot start a new worker: " + why);
        return failure(w);
    }
    int64_t left = 0;
    int64_t deadline = deadline_of(out, left);
    w.request.clear();
    put_job(w.request, *job, left);
    return round_trip(w, out, deadline, error);
}

wprun_status flush_all(void* const* workers, size_t count, wprun_emitter* out, wprun_error* error) {
    for (size_t i = 0; i < count; ++i) {
        auto* w = static_cast<worker_state*>(workers[i]);
        if (w == nullptr || !w->child.running()) continue;  // a crashed child's state is gone
        w->request.clear();
        w->request.begin(frame_type::flush);
        if (wprun_status st = round_trip(*w, out, 0, error); st != WPRUN_OK) return st;
    }
    return WPRUN_OK;
}

wprun_status create(const wprun_stage_context* ctx,
                    const wprun_config* config,
                    void** out,
                    wprun_error* error) {
    return guarded(error, WPRUN_INVALID_CONFIG,
                   [&] { return create_instance(ctx, config, out, error); });
}

wprun_status worker_create(void* inst, void** out, wprun_error* error) {
    return guarded(error, WPRUN_FATAL, [&] { return create_worker(inst, out, error); });
}

wprun_status process(
    void*, void* worker, const wprun_job* job, wprun_emitter* out, wprun_error* error) {
    return guarded(error, WPRUN_REJECT, [&] { return process_job(worker, job, out, error); });
}

void process_batch(void*,
                   void* worker,
                   const wprun_job* jobs,
                   size_t count,
                   wprun_emitter* out,
                   wprun_result* results) {
    auto& w = *static_cast<worker_state*>(worker);
    size_t settled = 0;
    try {
        process_jobs(w, jobs, count, out, results, settled);
    } catch (...) {  // out of memory: the jobs without a result fail
        for (size_t i = settled; i < count; ++i) {
            results[i].status = WPRUN_REJECT;
            write_error(&results[i].error, "isolation: out of memory");
        }
    }
}

wprun_status flush(
    void*, void* const* workers, size_t count, wprun_emitter* out, wprun_error* error) {
    return guarded(error, WPRUN_FATAL, [&] { return flush_all(workers, count, out, error); });
}

wprun_processor_def make_def(bool with_flush) {
    wprun_processor_def d{};
    d.struct_size = sizeof(wprun_processor_def);
    d.name = "isolated";
    d.description = "runs another processor in wprun-worker child processes";
    d.create = &create;
    d.destroy = &destroy;
    d.worker_create = &worker_create;
    d.worker_destroy = &worker_destroy;
    d.process = &process;
    d.process_batch = &process_batch;
    d.flush = with_flush ? &flush : nullptr;
    return d;
}

}  // namespace

const wprun_processor_def* isolated_def(const wprun_processor_def& inner) {
    static const wprun_processor_def plain = make_def(false);
    static const wprun_processor_def flushing = make_def(true);
    return inner.flush != nullptr ? &flushing : &plain;
}

config_entries isolated_config(const isolation_target& target, config_entries config) {
    std::string p = reserved_prefix;
    config_entries out{{p + "worker", target.worker_binary},
                       {p + "plugin", target.plugin_file},
                       {p + "processor", target.processor},
                       {p + "timeout", std::to_string(target.timeout_ns)},
                       {p + "retry", target.retry ? "true" : "false"}};
    for (auto& entry : config) out.push_back(std::move(entry));
    return out;
}

}  // namespace wprun::isolation
