// search_path: where plugins are looked for, in order.
//
// Use `plugin_search_path` once at start-up with the `--plugin-path` values and hand the result to
// `registry::set_search_path` (or `registry::scan`). The order is the user's explicit choice first,
// then the environment, then the folders that come with the binary, so a user can always put a
// plugin in front of the default ones. Reads the environment and the file system; call it from one
// thread (start-up).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace wprun::plugin {

/// The default plugin folders, whether they exist or not: the folder beside the running binary
/// (`<exe dir>/../lib/wprun/plugins`, so a build tree or a relocated install finds its own
/// plugins), then the folder chosen at install time. The first is omitted when /proc/self/exe
/// cannot be read.
std::vector<std::filesystem::path> default_plugin_dirs();

/// The plugin search path: each of `cli_paths` (folders or single library files, in the order
/// given), each entry of $WPRUN_PLUGIN_PATH (colon-separated), then `default_plugin_dirs()`.
/// Entries are canonical paths, de-duplicated keeping the first. A `cli_paths` entry that does
/// not exist throws startup_error(exit_code::plugin); other entries that do not exist are skipped.
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::string>& cli_paths);

}  // namespace wprun::plugin
