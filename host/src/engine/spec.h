// spec: a pipeline as plain data, independent of YAML and of plugin loading.
//
// `config/` builds a pipeline_spec from a YAML file (every value keeps the file:line:column it
// came from); `io/` and `plugin/` turn its parts into sources, sinks and processors; a C++ test
// may build one by hand. Option values are text: after `config::check_options` they are in
// canonical form (durations in nanoseconds, sizes in bytes, booleans `true`/`false`), which is
// also what plugins receive. Plain data, no thread-safety concerns.
#pragma once

#include <wprun/plugin_abi.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/error.h"

namespace wprun::engine {

/// One field of an options schema (a processor's config, a source's or sink's options).
struct field_schema {
    std::string name;
    wprun_value_type type = WPRUN_TYPE_STRING;
    std::optional<std::string> default_value;
    bool required = false;
    std::string description;
};

/// One option as written by the user (value in canonical text form once checked).
struct option {
    std::string name;
    std::string value;
    location where;      ///< of the value
    location key_where;  ///< of the key
};

/// A list of options with typed getters. Getters assume the options were checked.
class options {
public:
    std::vector<option> items;

    const option* find(std::string_view name) const {
        for (const auto& o : items)
            if (o.name == name) return &o;
        return nullptr;
    }
    bool has(std::string_view name) const { return find(name) != nullptr; }
    void set(std::string name, std::string value, location where = {}) {
        for (auto& o : items)
            if (o.name == name) {
                o.value = std::move(value);
                o.where = std::move(where);
                return;
            }
        items.push_back({std::move(name), std::move(value), where, where});
    }
    std::string get_string(std::string_view name, std::string_view fallback = {}) const {
        const option* o = find(name);
        return std::string(o ? std::string_view(o->value) : fallback);
    }
    int64_t get_int(std::string_view name, int64_t fallback = 0) const {
        const option* o = find(name);
        return o ? std::stoll(o->value) : fallback;
    }
    uint64_t get_size(std::string_view name, uint64_t fallback = 0) const {
        const option* o = find(name);
        return o ? std::stoull(o->value) : fallback;
    }
    int64_t get_duration_ns(std::string_view name, int64_t fallback = 0) const {
        return get_int(name, fallback);
    }
    double get_float(std::string_view name, double fallback = 0) const {
        const option* o = find(name);
        return o ? std::stod(o->value) : fallback;
    }
    bool get_bool(std::string_view name, bool fallback = false) const {
        const option* o = find(name);
        return o ? o->value == "true" : fallback;
    }
};

/// A source, sink or error sink: its type and its options.
struct io_spec {
    std::string type;
    options opts;
    location where;
};

struct stage_spec {
    std::string name;
    std::string processor;
    std::string plugin_file;  ///< optional: load the processor from this library file
    unsigned workers = 0;     ///< 0 = auto (hardware threads)
    size_t queue_items = 1024;
    size_t queue_bytes = size_t{64} << 20;
    options config;  ///< the processor's config, checked against its schema before the run
    location where;
    location processor_where;
};

/// What `wprun test` checks after running the pipeline.
struct expect_spec {
    std::string output;   ///< file (or folder, for the files sink) the output must equal
    bool sorted = false;  ///< compare line sets instead of exact order (unordered sinks)
    std::string errors;   ///< optional: file the error output's JSON lines must equal
    std::optional<uint64_t> read, written, filtered, failed, cancelled;
    std::optional<int> exit;  ///< expected exit code (default: 0, or 1 when failed > 0)
    location where;
};

struct pipeline_spec {
    std::string name;
    std::string file;      ///< the pipeline file, as given
    std::string base_dir;  ///< relative paths in the pipeline resolve against this folder
    io_spec source;
    std::vector<stage_spec> stages;
    io_spec sink;
    io_spec errors;
    std::optional<expect_spec> expect;
    std::string description;  ///< optional, for `wprun validate` and listings
};

}  // namespace wprun::engine
