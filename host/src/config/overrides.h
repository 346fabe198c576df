// overrides: `--set PATH=VALUE` from the command line, applied to a parsed pipeline tree.
//
// Use `apply_overrides` after `parse_yaml` and before validation, so an overridden value is
// checked exactly like one written in the file. PATH is dot-separated map keys, except that
// below `stages` a segment names a stage by its `name` (`stages.hash.workers=8`,
// `stages.hash.config.rounds=5`, `source.count=10`, `name=x`), and below a fan-out stage's
// `broadcast`/`route` a segment names a branch by its `name`, or its processor when it has none
// (`stages.fan.broadcast.digest.config.algorithm=xxh64`); missing maps are created.
// VALUE is read as one YAML scalar (`${VAR}` expanded as in the file). Overridden values are
// located at file "--set", line 0. Not thread-safe on the same tree.
#pragma once

#include <string>
#include <vector>

#include "config/node.h"
#include "detail/error.h"

namespace wprun::config {

/// Applies each override in order; a malformed one or one naming no stage is reported to
/// `diags` ("--set stages.nope.workers=8: no stage named 'nope' (stages: a, b)") and skipped.
/// `root` must be a map.
void apply_overrides(node& root, const std::vector<std::string>& overrides, diagnostics& diags);

}  // namespace wprun::config
