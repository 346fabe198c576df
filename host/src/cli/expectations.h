// expectations: compares a finished test run with a pipeline's `expect:` block.
//
// Used by `wprun test`. Each check returns an empty string when it holds, else one line saying
// what differs (first differing line of the output, the ledger count, the exit code).
// Thread-safe (no shared state).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "detail/error.h"
#include "engine/report.h"
#include "engine/spec.h"

namespace wprun::cli {

/// Compares two files byte for byte (or as sorted line lists when `sorted`), or two folders
/// file by file.
std::string compare_output(const std::filesystem::path& expected,
                           const std::filesystem::path& actual,
                           bool sorted);

/// `key_order`: the JSON lines file (`{"seq":N,"key":"...",...}` per line, as the jsonl sink
/// writes) lists each key's items in non-decreasing seq order (fan-out outputs share a seq); empty
/// when it does, else the first line that breaks it.
std::string check_key_order(const std::filesystem::path& output);

/// Every difference between `expect` and the run, one message each; empty when all hold.
std::vector<std::string> check_expectations(const engine::expect_spec& expect,
                                            const std::filesystem::path& base_dir,
                                            const engine::run_report& report,
                                            exit_code code,
                                            const std::filesystem::path& output,
                                            const std::filesystem::path& errors);

}  // namespace wprun::cli
