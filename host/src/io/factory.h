// factory: the built-in sources, sinks and error sinks by type name, with their option schemas.
//
// The CLI and config/ use this to check a pipeline's `source:`, `sink:` and `errors:` sections
// (schemas, type lists for messages and docs) and then to build them. make_* expect options that
// config::check_options already checked and put in canonical form; problems found while opening
// files are startup_errors (exit_code::usage) placed at the option that names the file.
// The lookups are thread-safe; the objects made are used from one thread each.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detail/error.h"
#include "engine/sink.h"
#include "engine/source.h"
#include "engine/spec.h"

namespace wprun::io {

/// The options schema of a type; nullptr when the type is unknown.
const std::vector<engine::field_schema>* source_schema(std::string_view type);
const std::vector<engine::field_schema>* sink_schema(std::string_view type);
const std::vector<engine::field_schema>* error_sink_schema(std::string_view type);

/// The known type names, in the order the docs list them.
std::vector<std::string> source_types();
std::vector<std::string> sink_types();
std::vector<std::string> error_sink_types();

/// Checks what a source's schema cannot, without opening anything (for `wprun validate`): the
/// `lines` source's `key` regular expression, the `jsonl` source's JSON Pointers. Adds an error
/// at the option to `diags` for each problem.
void check_source(const engine::io_spec& spec, diagnostics& diags);

/// Builds the source / sink / error sink `spec` describes; relative paths resolve against
/// `base_dir`. Throws startup_error(exit_code::usage) for an unknown type or a file that cannot be
/// opened or created (the message names the path, why, and what to do).
std::unique_ptr<engine::source> make_source(const engine::io_spec& spec,
                                            const std::filesystem::path& base_dir);
std::unique_ptr<engine::sink> make_sink(const engine::io_spec& spec,
                                        const std::filesystem::path& base_dir);
std::unique_ptr<engine::error_sink> make_error_sink(const engine::io_spec& spec,
                                                    const std::filesystem::path& base_dir);

}  // namespace wprun::io
