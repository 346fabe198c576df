// replay: `wprun run --retry-failed ERRORS.jsonl PIPELINE` — runs the items of an error output
// again, each from the stage that failed it, through the same pipeline.
//
// The records are grouped by the stage that failed them; each group runs through that stage and
// the ones after it (one engine run per group, in pipeline order), and a report is printed per
// group. Outputs are appended to the sink's file; the items that fail again go to the error
// output, which is started afresh (when it is the file being replayed, that file is first moved
// aside to FILE.retried). Records failed by the source itself (malformed input) cannot be run
// again and are counted as such. Not thread-safe (one command per process).
#pragma once

#include <string>

#include "cli/commands.h"

namespace wprun::cli {

/// Returns the worst exit code of the group runs; throws startup_error for a bad error file or a
/// record naming a stage the pipeline does not have.
int retry_failed_command(const std::string& file,
                         const std::string& errors_file,
                         const common_options& opts);

}  // namespace wprun::cli
