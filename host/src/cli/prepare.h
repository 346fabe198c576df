// prepare: from a pipeline file to everything a run needs, with every start-up check done.
//
// The one path shared by `wprun run`, `validate` and `test`: load and check the YAML (config/),
// check the source, sink and error options against the built-in schemas (io/), find each stage's
// processor on the plugin path, loading only what it takes (plugin/), and check its config against
// the processor's schema, then resolve `workers: auto`. All problems found are collected and thrown
// together as one startup_error, so `wprun validate` reports them all at once. A pipeline without
// errors gets the lint warnings (cli/lint.h) in `warnings`.
//
// Not thread-safe (start-up is single-threaded).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detail/error.h"
#include "engine/fan_out.h"
#include "engine/spec.h"
#include "engine/stage.h"
#include "plugin/registry.h"

namespace wprun::cli {

struct prepared_pipeline {
    engine::pipeline_spec spec;
    std::vector<engine::stage_config> stages;
    diagnostics warnings;
    /// The composites of the fan-out stages (`broadcast:`/`route:`): their stage_configs point
    /// at them, so they must outlive every pipeline built from `stages`.
    std::vector<std::shared_ptr<engine::fan_out>> fan_outs;
};

/// Loads every plugin on the search path (`--plugin-path` entries first); scan problems become
/// warnings in `warnings`. For listing them all (`wprun plugins`).
void load_plugins(plugin::registry& registry,
                  const std::vector<std::string>& plugin_paths,
                  diagnostics& warnings);

/// Sets the search path (`--plugin-path` entries first) for lazy loading: `prepare_pipeline` then
/// loads only the libraries the pipeline's processors take (see registry::require); library
/// files named on the path are loaded now. For every command that runs or checks pipelines.
void use_plugin_path(plugin::registry& registry, const std::vector<std::string>& plugin_paths);

/// Loads and checks `file`; throws startup_error (exit code 2, or 3 for plugin problems).
prepared_pipeline prepare_pipeline(const std::string& file,
                                   const std::vector<std::string>& overrides,
                                   plugin::registry& registry);

/// "unknown <what> 'name'; did you mean 'x'? (known: a, b, c)".
std::string unknown_name_message(std::string_view what,
                                 std::string_view name,
                                 const std::vector<std::string>& known);

/// `workers: auto` (0): the hardware threads, capped by the processor's max_workers hint.
unsigned resolve_workers(unsigned requested, const wprun_processor_def& def);

}  // namespace wprun::cli
