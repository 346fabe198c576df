// execute: runs a prepared pipeline — builds the source and sinks, runs the engine, and turns
// the outcome into the documented exit code.
// Not thread-safe (one run at a time per call; the engine runs its own threads inside).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

#include "cli/failure_log.h"
#include "cli/prepare.h"
#include "cli/resume.h"
#include "engine/pipeline.h"
#include "engine/report.h"
#include "io/figures.h"

namespace wprun::cli {

struct run_settings {
    const std::atomic<int>* interrupts = nullptr;    ///< SIGINT/SIGTERM count (1 drains, 2 cancels)
    const std::atomic<int>* first_signal = nullptr;  ///< SIGINT or SIGTERM: 130 or 143
    std::chrono::milliseconds tick{50};              ///< how often `on_tick` runs
    std::function<void(const engine::run_report&)> on_tick;  ///< progress, timeline
    log_settings logs;                                       ///< --joblog, --resume, --state-dir
    engine::shard part;                                      ///< --shard, --shard-from-env
};

struct run_outcome {
    engine::run_report report;
    exit_code code = exit_code::ok;
    std::chrono::system_clock::time_point started, finished;
    std::vector<failure_row> failures;  ///< the first 100 failures (the error output has all)
    uint64_t failures_seen = 0;
    bool nothing_to_resume = false;  ///< --resume found a finished run: nothing was run
    std::string source_summary;      ///< the source's own end-of-run line (engine::source)
    std::string sink_summary;        ///< the sink's, when it has one (io::reported)
    std::vector<io::figure> source_figures, sink_figures;  ///< for the JSON report
};

/// The engine's options for `spec` (ordering, deadline, grace, limits) and `settings`.
engine::run_options options_for(const engine::pipeline_spec& spec, const run_settings& settings);

/// Runs the pipeline; throws startup_error when a file cannot be opened or a processor refuses
/// its config.
run_outcome execute(const prepared_pipeline& p, const run_settings& settings);

/// 0 when every item was written or filtered; 130 when interrupted (143 when `signal` is
/// SIGTERM); 1 otherwise (failed or cancelled items, a stopped run, or a ledger that does not
/// balance).
exit_code exit_code_for(const engine::run_report& report, int signal = 0);

/// Worker threads left stuck in a plugin call at the end of the run (`stuck_at_exit`, all stages).
uint64_t stuck_at_exit(const engine::run_report& report);

/// Ends the process with `code` when threads are still stuck in plugin calls: after flushing
/// stdio, std::quick_exit, so that no destructor unloads a plugin or frees what such a thread may
/// still touch. Returns (and does nothing) when there are none.
void end_if_stuck(uint64_t stuck, int code);

}  // namespace wprun::cli
