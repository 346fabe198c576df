// report: the end-of-run report printed on stderr — the ledger, then one row per stage.
// Not thread-safe; call once the run is over.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "engine/report.h"

namespace wprun::cli {

/// Writes the report for run `name` to `out` (normally stderr).
void print_report(std::FILE* out, const std::string& name, const engine::run_report& report);

/// The stop reason as a word: none, interrupted, cancelled, fatal, deadline, error, error_limit.
std::string stop_name(engine::stop_reason r);

/// Share of the stage's worker time spent in the processor, in percent of `wall` seconds.
double busy_percent(const engine::stage_report& s, double wall);

/// A latency as people read it: "850ns", "42us", "12ms", "3.5s".
std::string duration_text(int64_t ns);

/// A stage's `balance:` and how evenly its workers shared the items: "balance steal: items per
/// worker min 10, max 30, mean 20.0, stddev 10.0 (cv 0.50); 7 item(s) stolen".
std::string balance_text(const engine::stage_report& s);

/// "read 12, written 10, filtered 1, failed 1, cancelled 0" (plus spawned when non-zero).
std::string ledger_line(const engine::ledger& l);

}  // namespace wprun::cli
