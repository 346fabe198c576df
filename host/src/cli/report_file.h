// report_file: `--report FILE` — writes the end-of-run report as JSON (FILE.json) or as a
// self-contained HTML page (FILE.html), chosen by the file's extension.
// Check the name with `report_format_of` before the run, so a typo costs no run time.
// Not thread-safe (writes one file).
#pragma once

#include <optional>
#include <string>

#include "cli/run_record.h"

namespace wprun::cli {

enum class report_format { json, html };

/// The format for `path`'s extension (case-insensitive); nullopt for any other extension.
std::optional<report_format> report_format_of(const std::string& path);

/// Writes the report; throws std::runtime_error (naming the file) when it cannot.
void write_report_file(const std::string& path, const run_record& record);

}  // namespace wprun::cli
