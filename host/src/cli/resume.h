// resume: the item logs a `wprun run` may keep — `--joblog FILE` and `--resume` (with
// `--state-dir DIR`) — set up around the engine run.
//
// `plan_logs` runs before the outputs are opened: with --resume it reads the state folder's
// journal (docs/reliability.md), refuses a journal written for another pipeline (fingerprint),
// a pipeline whose output cannot be cut back (standard output) or whose stages keep state for
// `flush`, and cuts the sink and the error output back to the last commit. `start_logs` runs
// once they are open and starts (or continues) the journal and opens the job log.
// Not thread-safe (start-up).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "cli/prepare.h"
#include "engine/pipeline.h"
#include "engine/seq_set.h"
#include "io/joblog.h"
#include "io/journal.h"

namespace wprun::cli {

struct log_settings {
    std::string joblog;     ///< --joblog FILE ("" = none)
    bool resume = false;    ///< --resume
    std::string state_dir;  ///< --state-dir DIR ("" = beside the output)
    size_t commit_items =
        0;  ///< hidden --commit-items N: commit every N items (tests); 0 = default
};

struct run_logs {
    engine::io_spec sink, errors;  ///< the specs to open the outputs with (cut back on resume)
    std::filesystem::path state_dir;
    std::optional<io::journal_state> previous;  ///< what an earlier run committed
    bool finished = false;                      ///< the earlier run had finished: nothing to do
    std::unique_ptr<io::journal> journal;
    std::unique_ptr<io::joblog> joblog;

    /// The engine options for these logs (item logs, seqs to skip).
    void apply(engine::run_options& options) const;
};

/// A hash of what decides a run's output: source, stages (processor, config, policies), sink
/// and error output. Worker counts and queue sizes are left out: they may change on resume.
std::string pipeline_fingerprint(const prepared_pipeline& p);

/// Reads and checks the state (with --resume) and cuts the outputs back; throws startup_error.
run_logs plan_logs(const prepared_pipeline& p, const log_settings& settings);

/// Starts the journal and the job log once the outputs are open; throws startup_error.
void start_logs(run_logs& logs,
                const prepared_pipeline& p,
                const log_settings& settings,
                engine::sink& out,
                engine::error_sink& errors);

}  // namespace wprun::cli
