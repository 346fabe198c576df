// execute: runs a prepared pipeline — builds the source and sinks, runs the engine, and turns
// the outcome into the documented exit code.
// Not thread-safe (one run at a time per call; the engine runs its own threads inside).
#pragma once

#include <atomic>

#include "cli/prepare.h"
#include "engine/report.h"

namespace wprun::cli {

struct run_settings {
    const std::atomic<int>* interrupts = nullptr;  ///< SIGINT/SIGTERM count (1 drains, 2 cancels)
};

struct run_outcome {
    engine::run_report report;
    exit_code code = exit_code::ok;
};

/// Runs the pipeline; throws startup_error when a file cannot be opened or a processor refuses
/// its config.
run_outcome execute(const prepared_pipeline& p, const run_settings& settings);

/// 0 when every item was written or filtered; 130 when interrupted; 1 otherwise (failed or
/// cancelled items, a stopped run, or a ledger that does not balance).
exit_code exit_code_for(const engine::run_report& report);

}  // namespace wprun::cli
