// commands: the `wprun` subcommands. Each returns the process exit code and reports problems
// by throwing startup_error (printed once, in main).
// Not thread-safe (one command per process).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "detail/error.h"

namespace wprun::cli {

struct common_options {
    std::vector<std::string> plugin_paths;
    std::vector<std::string> overrides;  ///< --set PATH=VALUE
    bool quiet = false;
    const std::atomic<int>* interrupts = nullptr;
    const std::atomic<int>* first_signal = nullptr;  ///< the first of SIGINT/SIGTERM, 0 if none
    std::string report;                              ///< run: --report FILE (.json or .html)
    int progress = -1;                   ///< run: 1 --progress, 0 --no-progress, -1 stderr a TTY
    std::chrono::milliseconds tick{50};  ///< run: how often progress and the timeline sample
    std::string joblog;                  ///< run: --joblog FILE
    bool resume = false;                 ///< run: --resume
    std::string state_dir;               ///< run: --state-dir DIR
    size_t commit_items = 0;             ///< run: hidden --commit-items N (tests)
    std::string retry_failed;            ///< run: --retry-failed ERRORS.jsonl
    std::string metrics_listen;          ///< run: --metrics-listen HOST:PORT ("" = no endpoint)
    std::chrono::milliseconds metrics_linger{0};  ///< run: serve this long after the run ends
    std::string shard;                            ///< run: --shard K/N ("" = not sharded)
    bool shard_from_env = false;                  ///< run: --shard-from-env
    uint64_t shard_count = 0;                     ///< run: --shard-count N (0 = not given)
};

/// `wprun run FILE`: runs the pipeline with live progress, prints the report on stderr and
/// writes `--report FILE` (run_command.cpp).
int run_command(const std::string& file, const common_options& opts);
/// `wprun validate FILE...`: checks without running; prints every problem (`json`: one JSON
/// document on stdout instead, cli/validate_json.h).
int validate_command(const std::vector<std::string>& files,
                     const common_options& opts,
                     bool json = false);
/// `wprun graph FILE`: checks the pipeline as `validate` does, then prints it on stdout as
/// Graphviz DOT or a Mermaid flowchart (`format`: "dot" or "mermaid"); never runs it.
int graph_command(const std::string& file, const std::string& format, const common_options& opts);
/// `wprun plugins [NAME]`: lists processors, or prints one processor's config schema.
int plugins_command(const std::string& name, const common_options& opts);
/// `wprun test [PATH...]`: runs every pipeline with an `expect:` block and checks its outcome.
int test_command(const std::vector<std::string>& paths, const common_options& opts);

/// Prints every diagnostic of `problems` on stderr, one line each.
void print_diagnostics(const diagnostics& problems);

}  // namespace wprun::cli
