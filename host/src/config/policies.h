// policies: the stage policy keys and the run-level keys of a pipeline file.
//
// Stage keys: `retry`, `rate_limit`, `circuit_breaker`, `timeout`, `on_error`, `max_errors`,
// `batch`, `priority`, `balance`;
// top-level keys: `deadline`, `limiters`. The loader calls `read_run_policies` on the file's
// root before it reads the stages (a stage's `rate_limit: NAME` names a top-level limiter), then
// `read_stage_policies` on each stage's map. Every problem goes to `diags` at the value's
// file:line:column with the valid range and an example; unknown sub-keys get a did-you-mean.
// Each spec's `where` is the location of its map (or of its scalar). An empty value (`retry:`)
// reads as an empty map: every field at its default. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/node.h"
#include "detail/error.h"
#include "engine/spec.h"

namespace wprun::config {

/// The pipeline's named limiters (`limiters:`), in file order.
using limiter_list = std::vector<std::pair<std::string, engine::rate_limit_spec>>;

/// Reads `deadline` and `limiters` from the pipeline file's root map into `spec`. Other keys of
/// `root` are left to the loader. A limiter whose values are wrong is still listed (so that the
/// stages naming it do not report it missing too).
void read_run_policies(const node& root, engine::pipeline_spec& spec, diagnostics& diags);

/// Reads `workers: {min, max, scale_up_after, idle}` (a dynamic pool) into `stage`'s
/// min_workers, max_workers (0 for `max: auto`), scale_up_after_ns and idle_ns; `workers` is
/// set to `min`. `context` names the stage in messages.
void read_worker_range(const node& n,
                       std::string_view context,
                       engine::stage_spec& stage,
                       diagnostics& diags);

/// Reads `workers: adaptive` (`n` null: every default) or the map under
/// `workers: {adaptive: {min, max, initial, window, threshold, decrease}}` into `stage.adaptive`.
void read_adaptive_workers(const node* n,
                           std::string_view context,
                           engine::stage_spec& stage,
                           diagnostics& diags);

/// Reads the policy keys of one stage's map into `stage`; other keys are left to the loader.
/// `context` names the stage in messages ("stage 'api'"); `limiters` resolve `rate_limit: NAME`.
void read_stage_policies(const node& stage_map,
                         std::string_view context,
                         const limiter_list& limiters,
                         engine::stage_spec& stage,
                         diagnostics& diags);

/// A rate in items per second: "100/s", "6000/m", "360000/h", "0.5/s" or a bare number (per
/// second). nullopt when malformed, not above 0, or above `max_rate_per_s`.
std::optional<double> parse_rate_per_s(std::string_view text);

/// The keys each policy map accepts, in documentation order (docs/pipeline.schema.json must
/// match). A limiter (`limiters: {NAME: {...}}`) takes `rate_limit_keys()`.
const std::vector<std::string>& retry_keys();
const std::vector<std::string>& backoff_keys();
const std::vector<std::string>& rate_limit_keys();
const std::vector<std::string>& breaker_keys();
const std::vector<std::string>& batch_keys();
const std::vector<std::string>& shutdown_keys();
const std::vector<std::string>& worker_range_keys();
const std::vector<std::string>& adaptive_keys();
const std::vector<std::string>& priority_keys();
/// The values of a stage's `balance` key, in documentation order.
const std::vector<std::string>& balance_names();

inline constexpr unsigned max_retry_attempts = 1000;
inline constexpr double max_backoff_multiplier = 100;
inline constexpr double max_rate_per_s = 1e9;
inline constexpr uint32_t max_breaker_failures = 1'000'000;
inline constexpr uint32_t max_breaker_window = 100'000;
inline constexpr uint32_t max_half_open_probes = 1000;
inline constexpr int64_t max_batch_items = 65536;
inline constexpr int64_t max_pool_workers = 4096;  // as `workers: N` (loader.h max_workers)
inline constexpr unsigned max_priority_levels = 16;
inline constexpr unsigned max_priority_weight = 1'000'000;
inline constexpr int64_t max_priority_aging_ns = int64_t{3600} * 1'000'000'000;

}  // namespace wprun::config
