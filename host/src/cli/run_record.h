// run_record: everything the JSON and HTML reports show about one finished run — the engine's
// final report plus what the CLI saw around it (wall-clock times, the timeline, the first
// failures, the pipeline's shape). Plain data; build it once the run is over.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/failure_log.h"
#include "cli/timeline.h"
#include "engine/report.h"
#include "io/figures.h"

namespace wprun::cli {

struct run_record {
    std::string name;  ///< the pipeline's name
    std::string file;  ///< the pipeline file, as given
    std::string source_type, sink_type, errors_type;
    std::chrono::system_clock::time_point started, finished;
    engine::run_report report;
    std::vector<timeline_point> timeline;
    double timeline_interval = 0;       ///< seconds between points (0: every tick)
    std::vector<failure_row> failures;  ///< the first ones, in the order they reached the sink
    uint64_t failures_seen = 0;         ///< all of them
    std::vector<io::figure> source_figures, sink_figures;  ///< io::reported (redis source, sink)
};

}  // namespace wprun::cli
