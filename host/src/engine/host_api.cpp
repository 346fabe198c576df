#include "engine/host_api.h"

#include <spdlog/spdlog.h>

#include <string_view>

#include "engine/log_origin.h"

namespace wprun::engine {
namespace {

spdlog::level::level_enum to_spdlog(wprun_log_level level) noexcept {
    switch (level) {
        case WPRUN_LOG_TRACE:
            return spdlog::level::trace;
        case WPRUN_LOG_DEBUG:
            return spdlog::level::debug;
        case WPRUN_LOG_INFO:
            return spdlog::level::info;
        case WPRUN_LOG_WARN:
            return spdlog::level::warn;
        default:
            return spdlog::level::err;
    }
}

void log(const wprun_stage_context* ctx,
         wprun_log_level level,
         const char* message,
         size_t size) noexcept {
    try {
        // The stage and processor from the context; the item when the plugin logs from a call
        // on a worker of that stage (the worker keeps its seq in the thread's log origin).
        std::string_view stage = ctx ? std::string_view(ctx->name) : std::string_view("plugin");
        bool in_call = ctx && current_log_origin.stage == stage;
        log_scope scope(stage, in_call ? current_log_origin.seq : log_origin::no_seq,
                        ctx ? std::string_view(ctx->processor) : std::string_view());
        spdlog::log(to_spdlog(level), "{}", std::string_view(message, size));
    } catch (...) {
        // Logging never throws across the C boundary.
    }
}

/// An emit from a thread other than the owner's, or after flush, must not touch `out`.
bool misused(wprun_emitter* out) noexcept {
    // Only the owner reads `out`: another thread may run while the owner changes it.
    if (std::this_thread::get_id() == out->owner && out->out != nullptr) return false;
    if (!out->misused.exchange(true, std::memory_order_relaxed))
        spdlog::error("{}", misused_emit_text);
    return true;
}

int emit(wprun_emitter* out, const char* data, size_t size) noexcept {
    if (misused(out)) return 1;
    if (size > out->max_bytes) {
        out->too_large = true;
        return 1;
    }
    try {
        item& it = out->out->emplace_back();
        it.payload.assign(std::string_view(data, size));
        it.seq = out->job;  // which job this output belongs to; replaced once the call returns
    } catch (...) {
        out->out_of_memory = true;
        return 1;
    }
    return out->stop && out->stop->load(std::memory_order_relaxed) ? 1 : 0;
}

void select(wprun_emitter* out, size_t index) noexcept { out->job = static_cast<uint32_t>(index); }

int should_stop(const wprun_emitter* out) noexcept {
    if (out->stop && out->stop->load(std::memory_order_relaxed)) return 1;
    if (out->deadline_ns == 0) return 0;
    const clock& time = out->time ? *out->time : system_clock();
    return static_cast<uint64_t>(time.now_ns()) > out->deadline_ns ? 1 : 0;
}

uint64_t deadline_ns(const wprun_emitter* out) noexcept { return out->deadline_ns; }

void retry_after(wprun_emitter* out, uint64_t delay_ns) noexcept { out->retry_after_ns = delay_ns; }

}  // namespace

const wprun_host_api* host_api() noexcept {
    static const wprun_host_api api{
        sizeof(wprun_host_api), WPRUN_ABI_VERSION, &log,        &emit, &select,
        &should_stop,           &deadline_ns,      &retry_after};
    return &api;
}

}  // namespace wprun::engine
