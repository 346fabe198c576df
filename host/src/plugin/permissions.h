// permissions: is a plugin file safe to load? Like ssh's StrictModes and sudo's checks.
//
// A plugin runs with the host's rights, so whoever can write the library file, or the folder it
// sits in (and so replace the file), can run code as the user who runs wprun. `library::load`
// refuses a file when the file, the folder it was named in or the folder of the real file (after
// symbolic links) is writable by group or others, or owned by a user other than the one running
// wprun or root. Reads the file system; safe from any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace wprun::plugin {

/// Why loading `file` would be unsafe (a whole sentence naming the path and the fix), or nothing.
std::optional<std::string> unsafe_plugin_file(const std::filesystem::path& file);

}  // namespace wprun::plugin
