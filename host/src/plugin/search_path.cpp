#include "plugin/search_path.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <system_error>

#include "detail/error.h"

namespace wprun::plugin {
namespace fs = std::filesystem;

namespace {

/// The canonical form of `p`, or nothing when it does not exist (or cannot be resolved).
std::optional<fs::path> existing(const fs::path& p) {
    std::error_code ec;
    fs::path canonical = fs::canonical(p, ec);
    if (ec) return std::nullopt;
    return canonical;
}

/// Appends `p` unless an entry with the same canonical path is already there.
void add_unique(std::vector<fs::path>& out, fs::path p) {
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
}

std::vector<std::string> split_path_list(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        size_t colon = list.find(':');
        std::string_view entry = list.substr(0, colon);
        if (!entry.empty()) out.emplace_back(entry);  // "a::b" and a trailing ':' mean nothing
        if (colon == std::string_view::npos) break;
        list.remove_prefix(colon + 1);
    }
    return out;
}

void add_cli_paths(std::vector<fs::path>& out, const std::vector<std::string>& cli_paths) {
    for (const std::string& p : cli_paths) {
        std::optional<fs::path> found = existing(p);
        if (!found)
            throw startup_error(exit_code::plugin, location{},
                                "plugin path '" + p + "' does not exist: check --plugin-path");
        add_unique(out, std::move(*found));
    }
}

/// Environment and default entries are hints, not requests: one that is gone is no error.
void add_if_present(std::vector<fs::path>& out, const fs::path& p) {
    if (std::optional<fs::path> found = existing(p)) add_unique(out, std::move(*found));
}

}  // namespace

std::vector<fs::path> default_plugin_dirs() {
    // The folder beside the binary when there is one, else the install folder, never both: a
    // build-tree wprun next to an installed copy would otherwise see every plugin twice.
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        fs::path beside = (exe.parent_path() / WPRUN_PLUGIN_RELDIR).lexically_normal();
        if (fs::is_directory(beside, ec)) return {beside};
    }
    return {fs::path(WPRUN_PLUGIN_INSTALL_FULLDIR)};
}

std::vector<fs::path> plugin_search_path(const std::vector<std::string>& cli_paths) {
    std::vector<fs::path> out;
    add_cli_paths(out, cli_paths);
    if (const char* env = std::getenv("WPRUN_PLUGIN_PATH"))
        for (const std::string& p : split_path_list(env)) add_if_present(out, p);
    for (const fs::path& p : default_plugin_dirs()) add_if_present(out, p);
    return out;
}

}  // namespace wprun::plugin
