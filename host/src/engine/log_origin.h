// log_origin: which stage, processor and item a log line comes from.
//
// The engine keeps it per thread: a worker names its stage once when it starts, and the item's
// sequence number around each call (two plain thread-local stores per call, no lock), so a
// plugin's `log` and the engine's own lines carry both without passing them along. The CLI's
// log formatter (cli/log_setup) reads it when it formats a line, which it does on the logging
// thread (the loggers are synchronous).
// Thread-safety: each thread sees only its own origin.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string_view>
#include <utility>

namespace wprun::engine {

struct log_origin {
    static constexpr uint64_t no_seq = UINT64_MAX;
    std::string_view stage;      ///< empty: the host itself
    std::string_view processor;  ///< set while a plugin logs
    uint64_t seq = no_seq;       ///< the item being processed, if any
};

/// This thread's origin.
inline thread_local log_origin current_log_origin;

/// Sets this thread's origin for a scope and restores the previous one after. The strings must
/// outlive the scope.
class log_scope {
public:
    explicit log_scope(std::string_view stage,
                       uint64_t seq = log_origin::no_seq,
                       std::string_view processor = {}) noexcept
        : saved_(current_log_origin) {
        current_log_origin = {stage, processor, seq};
    }
    ~log_scope() { current_log_origin = saved_; }
    log_scope(const log_scope&) = delete;
    log_scope& operator=(const log_scope&) = delete;

private:
    log_origin saved_;
};

/// Logs a line about item `seq` of the current stage (failures, retries).
template <typename... Args>
void log_item(spdlog::level::level_enum level,
              uint64_t seq,
              spdlog::format_string_t<Args...> format,
              Args&&... args) {
    if (!spdlog::should_log(level)) return;
    log_scope scope(current_log_origin.stage, seq, current_log_origin.processor);
    spdlog::log(level, format, std::forward<Args>(args)...);
}

}  // namespace wprun::engine
