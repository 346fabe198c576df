// jsonl_source: the `jsonl` source, one item per non-empty line of JSON (a file or stdin).
//
// Each line is checked to be one JSON value. By default the payload is the line as written; the
// `payload` option (a JSON Pointer) picks a value instead: a string gives its text, anything else
// its compact JSON. `key` and `priority` pointers fill the item's key and priority (an integer).
// A malformed line, or a pointer with nothing behind it, is still returned, as an item marked
// failed (payload = the line, message = "line N: ..."), so it is counted and reaches the error
// output. Blank lines (only spaces or tabs) are skipped. Not thread-safe: read from one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/source.h"
#include "engine/spec.h"
#include "io/line_reader.h"

namespace wprun::io {

struct jsonl_source_options {
    std::string payload;  ///< JSON Pointer; "" = the whole line as written
    std::optional<std::string> key;
    std::optional<std::string> priority;
    uint64_t max_bytes = engine::default_max_item_bytes;  ///< the reader's limit, for messages
};

class jsonl_source final : public engine::source {
public:
    /// Throws nlohmann::json::parse_error when a pointer is not a valid JSON Pointer.
    jsonl_source(line_reader reader, const jsonl_source_options& opts);
    size_t read(engine::item* out, size_t max) override;

private:
    using pointer = nlohmann::json::json_pointer;

    void parse_line(std::string_view line, engine::item& it) const;
    void fill_from(const nlohmann::json& doc, std::string_view line, engine::item& it) const;
    void fail(engine::item& it, std::string_view line, const std::string& why) const;

    line_reader reader_;
    std::optional<pointer> payload_;  ///< empty = the line as written
    std::optional<pointer> key_;
    std::optional<pointer> priority_;
    uint64_t max_bytes_;
};

/// Options of the `jsonl` source: path, payload, key, priority.
const std::vector<engine::field_schema>& jsonl_source_schema();

/// Checks each pointer option now, so that a typo is a start-up error at the option, not a
/// failed run: an invalid one is a startup_error at it.
void check_jsonl_pointers(const engine::io_spec& spec);

/// Opens the file; a missing file or an invalid pointer is a startup_error.
std::unique_ptr<engine::source> make_jsonl_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& base_dir);

}  // namespace wprun::io
