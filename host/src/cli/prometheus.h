// prometheus: a run's live snapshot as Prometheus text exposition (format 0.0.4), for
// `--metrics-listen`'s `/metrics`.
//
// The numbers are the ones the progress line and the report use (`engine::run_report`, taken by
// the calling thread every tick), so serving them adds nothing per item. Families, all prefixed
// `wprun_` (docs/metrics.md lists them with their meaning):
//   run:    run_up, run_finished, run_elapsed_seconds, run_info{pipeline}
//   ledger: source_items_read_total, source_items_expected (when the source knows its total),
//           items_spawned_total, items_total{outcome=written|filtered|failed|cancelled}
//   stage:  stage_items_in_total, stage_items_out_total,
//           stage_items_ended_total{outcome=filtered|failed|cancelled}, stage_retries_total,
//           stage_timeouts_total, stage_busy_seconds_total, stage_workers, stage_workers_busy,
//           stage_queue_depth, stage_queue_capacity, stage_queue_high_water,
//           stage_breaker_transitions_total, stage_breaker_rejected_total,
//           stage_limiter_waits_total, stage_limiter_wait_seconds_total,
//           stage_latency_seconds (histogram), each with the label stage="NAME".
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/report.h"

namespace wprun::cli {

/// What `/metrics` shows: the latest snapshot and where the run is.
struct metrics_snapshot {
    std::string pipeline;  ///< the pipeline's name
    engine::run_report report;
    bool running = false;   ///< the run has started and not yet finished
    bool finished = false;  ///< `report` is the final one
};

/// The snapshot as Prometheus text exposition: `# HELP` and `# TYPE` once per family, then its
/// samples; label values escaped.
std::string prometheus_text(const metrics_snapshot& m);

/// A label value with `\`, `"` and newlines escaped as the exposition format requires.
std::string escape_label_value(std::string_view text);

/// The `le` bounds of `wprun_stage_latency_seconds`, in seconds, ascending (+Inf not included).
/// A call is counted under the first bound at or above the upper end of its internal bucket
/// (12.5% wide), so a count may miss calls within 12.5% below its bound.
const std::vector<double>& latency_bounds_seconds();

/// Cumulative counts for `latency_bounds_seconds()` from a latency summary (the +Inf bucket is
/// `summary.count`).
std::vector<uint64_t> cumulative_latency_counts(const engine::latency_summary& summary);

}  // namespace wprun::cli
