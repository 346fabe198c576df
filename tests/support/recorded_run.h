// recorded_run: runs a small two-stage pipeline by hand (no plugins, no YAML) the way
// `wprun run` watches one — a failure_log around the error sink and a timeline fed every
// tick — and returns the run_record the JSON and HTML reports are made from.
#pragma once

#include <chrono>

#include "cli/failure_log.h"
#include "cli/run_record.h"
#include "cli/timeline.h"
#include "support/engine_fixtures.h"

namespace wprun::testing {

/// 2000 items through "slow" (jitter up to 100 µs, 2 workers) and "check" (rejects every 7th
/// item: 286 failures), sampled every millisecond.
inline cli::run_record recorded_run() {
    use_engine_host();
    counting_source src(2000);
    vector_sink sink;
    vector_error_sink errors;
    cli::failure_log failures(errors);
    cli::timeline points;
    engine::pipeline p({make_stage<jitter>("slow", 2, {{"max_us", "100"}}),
                        make_stage<faulty>("check", 2, {{"every", "7"}})});
    engine::run_options options;
    options.tick = std::chrono::milliseconds(1);
    options.on_tick = [&points](const engine::run_report& r) { points.record(r); };
    cli::run_record record;
    record.name = "recorded";
    record.file = "recorded.yaml";
    record.source_type = "range";
    record.sink_type = "lines";
    record.errors_type = "jsonl";
    record.started = std::chrono::system_clock::now();
    record.report = p.run(src, sink, failures, options);
    record.finished = std::chrono::system_clock::now();
    points.finish(record.report);
    record.timeline = points.points();
    record.timeline_interval = points.interval();
    record.failures = failures.kept();
    record.failures_seen = failures.seen();
    return record;
}

}  // namespace wprun::testing
