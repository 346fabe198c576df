// opening: the steps every built-in source and sink takes to go from an io_spec to open files.
//
// Used by the make_* functions of io/: they read options, resolve relative paths against the
// pipeline's folder, and report any problem found while opening as a startup_error (exit code
// `usage`) placed at the option that names the file, with a message that says what to do.
// Stateless, thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "detail/error.h"
#include "engine/spec.h"
#include "io/line_reader.h"
#include "io/output_file.h"

namespace wprun::io {

/// Where to point at for a problem with option `name`: its value, else the whole spec.
location option_where(const engine::io_spec& spec, std::string_view name);

/// Throws startup_error(exit_code::usage) placed at option `name`.
[[noreturn]] void throw_option_error(const engine::io_spec& spec,
                                     std::string_view name,
                                     std::string message);

/// The value of a required option; a missing one is a startup_error (hand-built specs).
std::string required_option(const engine::io_spec& spec, std::string_view name);

/// `text` as a path, relative ones resolved against `base_dir`.
std::filesystem::path resolve_path(std::string_view text, const std::filesystem::path& base_dir);

/// Opens the input named by option `name` ("-" = standard input), its lines capped at
/// `spec.max_item_bytes`.
line_reader open_input(const engine::io_spec& spec,
                       std::string_view name,
                       const std::filesystem::path& base_dir);

/// Opens the output named by option `name`; "-" = `standard` (output or error).
output_file open_output(const engine::io_spec& spec,
                        std::string_view name,
                        const std::filesystem::path& base_dir,
                        bool append,
                        output_file (*standard)());

/// `own` followed by the fields every sink declares (`ordered`, `window`; the engine does them).
std::vector<engine::field_schema> with_sink_fields(std::vector<engine::field_schema> own);

}  // namespace wprun::io
