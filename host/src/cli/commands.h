// commands: the `wprun` subcommands. Each returns the process exit code and reports problems
// by throwing startup_error (printed once, in main).
// Not thread-safe (one command per process).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "detail/error.h"

namespace wprun::cli {

struct common_options {
    std::vector<std::string> plugin_paths;
    std::vector<std::string> overrides;  ///< --set PATH=VALUE
    bool quiet = false;
    const std::atomic<int>* interrupts = nullptr;
};

/// `wprun run FILE`: runs the pipeline, prints the report on stderr.
int run_command(const std::string& file, const common_options& opts);
/// `wprun validate FILE...`: checks without running; prints every problem.
int validate_command(const std::vector<std::string>& files, const common_options& opts);
/// `wprun plugins [NAME]`: lists processors, or prints one processor's config schema.
int plugins_command(const std::string& name, const common_options& opts);
/// `wprun test [PATH...]`: runs every pipeline with an `expect:` block and checks its outcome.
int test_command(const std::vector<std::string>& paths, const common_options& opts);

/// Prints every diagnostic of `problems` on stderr, one line each.
void print_diagnostics(const diagnostics& problems);

}  // namespace wprun::cli
