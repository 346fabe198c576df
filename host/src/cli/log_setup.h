// log_setup: the process's logger (spdlog) — `--log-level` and `--log-format text|json`.
//
// Every line names where it comes from (engine/log_origin.h): the stage, the item's sequence
// number while one is being processed, and the processor when a plugin logs through the host
// API. Lines go to stderr (stdout may be the sink):
//     text: wprun: warning: stage hash, item 42: item failed: boom
//     json: {"ts":"2026-01-02T03:04:05.678Z","level":"warn","stage":"hash","seq":42,"msg":"..."}
// JSON lines are one object each, always with ts, level, stage, seq and msg (stage and seq null
// when they do not apply) and "processor" on a plugin's lines; strings are escaped (invalid
// UTF-8 becomes U+FFFD), so every line parses.
// Thread-safety: `setup_logging` once at start-up; the line functions are pure.
#pragma once

#include <spdlog/formatter.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/log_origin.h"

namespace wprun::cli {

enum class log_format { text, json };

/// "text" or "json".
std::optional<log_format> parse_log_format(std::string_view name);

/// The text line (no newline): "wprun: LEVEL: stage S, processor P, item N: MSG", the origin's
/// parts left out when absent.
std::string text_log_line(std::string_view level,
                          const engine::log_origin& o,
                          std::string_view msg);

/// The JSON line (no newline); `level` as given to --log-level (trace ... critical).
std::string json_log_line(std::chrono::system_clock::time_point at,
                          std::string_view level,
                          const engine::log_origin& o,
                          std::string_view msg);

/// A spdlog formatter writing these lines (reads the calling thread's log origin).
/// `clear_line` (text on a terminal): each line starts with "\r\x1b[K", so that it replaces the
/// live progress line instead of running on from it.
std::unique_ptr<spdlog::formatter> make_log_formatter(log_format format, bool clear_line = false);

/// Installs the default logger on stderr: `level` is one of trace, debug, info, warn, error,
/// off (checked by the command line).
void setup_logging(const std::string& level, log_format format);

}  // namespace wprun::cli
