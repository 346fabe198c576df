// report_html: the end-of-run report as one self-contained HTML page (docs/report.md).
//
// Summary and ledger, the pipeline graph (source → stages → sink, with counts), a stage table,
// and per stage: throughput, latency histogram, workers and queue depth over time; then the
// first failures. Every chart is inline SVG with a stable id (`graph`,
// `chart-throughput-<stage>`, `chart-latency-<stage>`, `chart-workers-<stage>`,
// `chart-queue-<stage>`; the errors table is `errors`), no script and no external reference,
// so the file opens offline. Pure functions of the record, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "cli/run_record.h"

namespace wprun::cli {

/// The whole page.
std::string report_html(const run_record& record);

/// A stage name made safe for an id: letters, digits, '-' and '_' kept, anything else '_'.
std::string html_id(std::string_view name);

}  // namespace wprun::cli
