// fan_out: the `broadcast:` and `route:` keys of a stage — several processors in one stage.
//
//     - name: fan
//       broadcast:                        # or route:
//         - {processor: upper}
//         - {name: digest, processor: hash, config: {algorithm: sha256}}
//     - name: sort
//       route:
//         - {processor: upper, when: {regex: "^[a-m]"}}
//         - {processor: lower, when: {regex: "\\.json$", on: key}}
//         - {processor: trim, default: true}
//
// The loader calls `read_fan_out` on each stage's map. A fan-out stage names no `processor`,
// `plugin` or `config` of its own: each branch has them. The reader checks the structure (a
// non-empty list of maps, known keys with did-you-mean, unique branch names, `when` and
// `default` only under `route`, one rule or `default: true` per route branch, at most one
// default, regexes that compile) and reports every problem at its file:line:column. Each
// branch's `config` is kept as written and checked later against its processor's schema, like a
// stage's. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/node.h"
#include "detail/error.h"
#include "engine/spec.h"

namespace wprun::config {

/// Reads `broadcast` or `route` from `stage_map` into `stage` (fan_out, branches, and the
/// processor text "broadcast(a, b)"); `base_dir` resolves branch `plugin` paths. Returns false
/// (and touches nothing) when the stage has neither key: a plain stage.
bool read_fan_out(const node& stage_map,
                  std::string_view context,
                  const std::string& base_dir,
                  engine::stage_spec& stage,
                  diagnostics& diags);

/// The keys a branch map accepts, and those of `when:`, in documentation order
/// (docs/pipeline.schema.json must match).
const std::vector<std::string>& branch_keys();
const std::vector<std::string>& when_keys();

inline constexpr size_t max_branches = 64;

}  // namespace wprun::config
