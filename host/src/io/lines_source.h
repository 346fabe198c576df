// lines_source: the `lines` source, one item per line of a file or of standard input.
//
// The payload is the line without its "\n" (and without a "\r" just before it); a last line
// without "\n" counts, and empty lines are items. Lines are copied straight from the reader's
// buffer into the item (no other allocation). A line longer than `max_item_bytes` becomes a
// failed item holding its first 1 KiB. With a `key` pattern (ECMAScript regular expression), an
// item's key is the first match's first capture group (the whole match when the pattern has no
// group; empty when the line does not match), for `balance: key` and the files/jsonl sinks.
// Not thread-safe: read from one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <vector>

#include "engine/source.h"
#include "engine/spec.h"
#include "io/line_reader.h"

namespace wprun::io {

class lines_source final : public engine::source {
public:
    /// `max_bytes`: the reader's limit, for the message of a line longer than it.
    lines_source(line_reader reader,
                 uint64_t max_bytes = engine::default_max_item_bytes,
                 std::optional<std::regex> key = std::nullopt)
        : reader_(std::move(reader)), max_bytes_(max_bytes), key_(std::move(key)) {}
    size_t read(engine::item* out, size_t max) override;

private:
    void set_key(std::string_view line, engine::item& it) const;

    line_reader reader_;
    uint64_t max_bytes_;
    std::optional<std::regex> key_;
};

/// Options of the `lines` source: path ("-" = standard input), key (a regular expression).
const std::vector<engine::field_schema>& lines_source_schema();

/// The `key` option compiled (none when unset); a bad pattern is a startup_error at the option.
std::optional<std::regex> lines_key(const engine::io_spec& spec);

/// Opens the file; a missing or unreadable one is a startup_error naming it.
std::unique_ptr<engine::source> make_lines_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& base_dir);

}  // namespace wprun::io
