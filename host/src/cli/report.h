// report: the end-of-run report printed on stderr — the ledger, then one row per stage.
// Not thread-safe; call once the run is over.
#pragma once

#include <cstdio>
#include <string>

#include "engine/report.h"

namespace wprun::cli {

/// Writes the report for run `name` to `out` (normally stderr).
void print_report(std::FILE* out, const std::string& name, const engine::run_report& report);

/// "read 12, written 10, filtered 1, failed 1, cancelled 0" (plus spawned when non-zero).
std::string ledger_line(const engine::ledger& l);

}  // namespace wprun::cli
