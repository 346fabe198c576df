#include "io/factory.h"

#include <array>

#include "io/files_sink.h"
#include "io/files_source.h"
#include "io/jsonl_error_sink.h"
#include "io/jsonl_sink.h"
#include "io/jsonl_source.h"
#include "io/lines_sink.h"
#include "io/lines_source.h"
#include "io/null_sink.h"
#include "io/range_source.h"
#include "io/redis_sink.h"
#include "io/redis_source.h"

namespace wprun::io {
namespace {

using schema_fn = const std::vector<engine::field_schema>& (*)();

// One built-in type: its name, its schema and how to make it.
template <class Made>
struct kind {
    std::string_view type;
    schema_fn schema;
    std::unique_ptr<Made> (*make)(const engine::io_spec&, const std::filesystem::path&);
};

constexpr std::array<kind<engine::source>, 5> sources{{
    {"range", range_source_schema, make_range_source},
    {"lines", lines_source_schema, make_lines_source},
    {"files", files_source_schema, make_files_source},
    {"jsonl", jsonl_source_schema, make_jsonl_source},
    {"redis", redis_source_schema, make_redis_source},
}};

constexpr std::array<kind<engine::sink>, 5> sinks{{
    {"lines", lines_sink_schema, make_lines_sink},
    {"jsonl", jsonl_sink_schema, make_jsonl_sink},
    {"files", files_sink_schema, make_files_sink},
    {"null", null_sink_schema, make_null_sink},
    {"redis", redis_sink_schema, make_redis_sink},
}};

constexpr std::array<kind<engine::error_sink>, 2> error_sinks{{
    {"jsonl", jsonl_error_sink_schema, make_jsonl_error_sink},
    {"null", null_error_sink_schema, make_null_error_sink},
}};

template <class Made, size_t N>
const kind<Made>* find(const std::array<kind<Made>, N>& table, std::string_view type) {
    for (const auto& k : table)
        if (k.type == type) return &k;
    return nullptr;
}

template <class Made, size_t N>
const std::vector<engine::field_schema>* schema_of(const std::array<kind<Made>, N>& table,
                                                   std::string_view type) {
    const kind<Made>* k = find(table, type);
    return k ? &k->schema() : nullptr;
}

template <class Made, size_t N>
std::vector<std::string> names(const std::array<kind<Made>, N>& table) {
    std::vector<std::string> out;
    for (const auto& k : table) out.emplace_back(k.type);
    return out;
}

template <class Made, size_t N>
std::unique_ptr<Made> make(const std::array<kind<Made>, N>& table,
                           std::string_view what,
                           const engine::io_spec& spec,
                           const std::filesystem::path& base_dir) {
    if (const kind<Made>* k = find(table, spec.type)) return k->make(spec, base_dir);
    std::string known;
    for (const auto& k : table) known += (known.empty() ? "" : ", ") + std::string(k.type);
    throw startup_error(
        exit_code::usage, spec.where,
        "unknown " + std::string(what) + " type '" + spec.type + "'; use one of: " + known);
}

}  // namespace

const std::vector<engine::field_schema>* source_schema(std::string_view type) {
    return schema_of(sources, type);
}
const std::vector<engine::field_schema>* sink_schema(std::string_view type) {
    return schema_of(sinks, type);
}
const std::vector<engine::field_schema>* error_sink_schema(std::string_view type) {
    return schema_of(error_sinks, type);
}

std::vector<std::string> source_types() { return names(sources); }
std::vector<std::string> sink_types() { return names(sinks); }
std::vector<std::string> error_sink_types() { return names(error_sinks); }

void check_source(const engine::io_spec& spec, diagnostics& diags) {
    try {
        if (spec.type == "lines") lines_key(spec);
        if (spec.type == "jsonl") check_jsonl_pointers(spec);
    } catch (const startup_error& e) {
        diags.append(e.problems());
    }
}

std::unique_ptr<engine::source> make_source(const engine::io_spec& spec,
                                            const std::filesystem::path& base_dir) {
    return make(sources, "source", spec, base_dir);
}
std::unique_ptr<engine::sink> make_sink(const engine::io_spec& spec,
                                        const std::filesystem::path& base_dir) {
    return make(sinks, "sink", spec, base_dir);
}
std::unique_ptr<engine::error_sink> make_error_sink(const engine::io_spec& spec,
                                                    const std::filesystem::path& base_dir) {
    return make(error_sinks, "error sink", spec, base_dir);
}

}  // namespace wprun::io
