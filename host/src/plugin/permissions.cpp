#include "plugin/permissions.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <system_error>

namespace wprun::plugin {
namespace fs = std::filesystem;

namespace {

std::string octal(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

/// Why `path` (a plugin file, or a folder one sits in) may be changed by someone else.
std::optional<std::string> unsafe(const fs::path& path, const char* what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;  // the loader reports a missing file
    std::string name = "'" + path.string() + "'";
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return std::string(what) + " " + name + " is writable by " +
               ((st.st_mode & S_IWOTH) ? "other users" : "its group") + " (mode " +
               octal(st.st_mode) + "), so someone else could replace the plugin's code: run " +
               "`chmod go-w " + name + "` if you trust it";
    if (st.st_uid != ::geteuid() && st.st_uid != 0)
        return std::string(what) + " " + name + " is owned by another user (uid " +
               std::to_string(st.st_uid) + "), who could replace the plugin's code: run `chown " +
               std::to_string(::geteuid()) + " " + name + "` (or install the plugin as root) " +
               "if you trust it";
    return std::nullopt;
}

}  // namespace

std::optional<std::string> unsafe_plugin_file(const fs::path& file) {
    std::error_code ec;
    fs::path real = fs::canonical(file, ec);
    if (ec) real = file;
    fs::path named_folder = fs::absolute(file, ec).parent_path();
    if (auto why = unsafe(real, "plugin file")) return why;
    if (auto why = unsafe(real.parent_path(), "the plugin's folder")) return why;
    if (named_folder != real.parent_path())
        if (auto why = unsafe(named_folder, "the plugin's folder")) return why;
    return std::nullopt;
}

}  // namespace wprun::plugin
