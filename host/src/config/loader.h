// loader: a YAML pipeline file -> a validated `engine::pipeline_spec`.
//
// Use `load_pipeline` from the command line (`wprun run/validate/test`) and `load_pipeline_text`
// in tests. The loader checks the file's structure: known keys (did-you-mean for the others),
// required keys, value types and ranges, unique stage names; it expands `${VAR}` and applies
// `--set` overrides first. The stage policy keys and `deadline`/`limiters` are read by
// `config/policies.h`. It does not know plugin or io schemas: stage `config:` and the
// options of source, sink and errors are kept as written (with locations) and checked later by
// `check_options`. Bad input never throws: every problem is a diagnostic with file:line:column.
// Thread-safe (no shared state; reads the environment).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "detail/error.h"
#include "engine/spec.h"

namespace wprun::config {

struct load_result {
    engine::pipeline_spec spec;
    diagnostics diags;  ///< the spec is only meaningful when `!diags.has_errors()`
};

/// Reads and validates the pipeline file `file`; `overrides` are `--set` arguments (PATH=VALUE).
/// `spec.base_dir` is the file's absolute folder.
load_result load_pipeline(const std::string& file, const std::vector<std::string>& overrides);

/// As `load_pipeline`, from text: `file_label` names it in diagnostics, `base_dir` resolves
/// stage `plugin` paths and becomes `spec.base_dir`.
load_result load_pipeline_text(std::string_view yaml,
                               const std::string& file_label,
                               const std::string& base_dir,
                               const std::vector<std::string>& overrides);

/// The keys the loader accepts, in documentation order (docs/pipeline.schema.json must match).
const std::vector<std::string>& top_level_keys();
const std::vector<std::string>& stage_keys();
const std::vector<std::string>& queue_keys();
const std::vector<std::string>& expect_keys();
const std::vector<std::string>& report_check_keys();
const std::vector<std::string>& ledger_keys();

inline constexpr unsigned max_workers = 4096;
inline constexpr size_t max_queue_items = 16'777'216;
/// A pipeline file is a few KiB; the cap keeps `wprun run /dev/zero` from reading forever.
inline constexpr size_t max_file_bytes = size_t{16} << 20;

}  // namespace wprun::config
