// units: durations ("250ms", "1.5s") and sizes ("64KiB", "1GB") as users write them.
//
// Use `parse_duration_ns` / `parse_size` to turn a pipeline value into nanoseconds or bytes
// (nullopt when malformed, negative or too large), and `format_duration` / `format_size` to
// show a value back in the shortest exact form (messages, docs). A non-negative formatted value
// parses back to the same value. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wprun::config {

/// "10ns", "500us", "250ms", "2s", "1.5s", "1m", "1h" (fractions allowed, truncated to whole
/// nanoseconds); "0" is the only value that may omit the unit.
std::optional<int64_t> parse_duration_ns(std::string_view text);

/// "100", "64KiB", "8MiB", "1GiB", "1TiB" (powers of 1024) or "1KB", "1MB", "1GB", "1TB"
/// (powers of 1000); "B" is accepted as a unit of one byte. Whole numbers only.
std::optional<uint64_t> parse_size(std::string_view text);

/// The largest unit that divides `ns` exactly: 1500000000 -> "1500ms", 3600000000000 -> "1h".
std::string format_duration(int64_t ns);

/// The largest binary unit that divides `bytes` exactly: 8388608 -> "8MiB", 1000 -> "1000".
std::string format_size(uint64_t bytes);

}  // namespace wprun::config
