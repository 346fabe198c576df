// report_json: the end-of-run report as JSON, schema "wprun.report/1" (docs/report.md).
//
// The schema only grows: new fields may appear in /1; renaming or removing one, or changing its
// meaning, makes it /2. Durations are nanoseconds (`*_ns`) or seconds (`*_seconds`); times of
// day are ISO 8601 in UTC. Pure functions of the record, thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_record.h"

namespace wprun::cli {

inline constexpr const char* report_schema = "wprun.report/1";

/// The whole report.
nlohmann::ordered_json report_json(const run_record& record);

/// One stage's entry of "stages".
nlohmann::ordered_json stage_json(const engine::stage_report& s, double wall_seconds);

/// "2024-05-01T12:34:56.789Z".
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace wprun::cli
