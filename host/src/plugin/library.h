// library: one plugin shared library, loaded and checked.
//
// `library::load` refuses a file others could write (plugin/permissions.h), opens it (RTLD_NOW, so
// a missing symbol is reported now rather than in the middle of a run; RTLD_LOCAL, so plugins
// cannot see each other's symbols), checks the ABI handshake, calls `wprun_plugin_init` and checks
// what it returns. Every problem is a startup_error(exit_code::plugin) whose message names the file
// and says what to do. The registry is the usual user; load one directly only to inspect a single
// file. Thread-safety: `load` from one thread at a time; a loaded library is immutable and may be
// read from any thread.
#pragma once

#include <wprun/plugin_abi.h>

#include <cstdint>
#include <filesystem>
#include <memory>

namespace wprun::plugin {

/// A loaded plugin whose info passed every check. Copies share the library, which is unloaded
/// when the last copy goes: keep one for as long as any pointer from `info()` is in use.
class library {
public:
    /// Loads `file` and checks it. `host` is passed to `wprun_plugin_init` and must outlive the
    /// library. Throws startup_error(exit_code::plugin) on any problem.
    static library load(const std::filesystem::path& file, const wprun_host_api* host);

    /// What `wprun_plugin_init` returned; checked, valid while the library is loaded.
    const wprun_plugin_info& info() const noexcept { return *info_; }
    /// The ABI version the library exports (`wprun_plugin_abi_version()`).
    uint32_t abi_version() const noexcept { return abi_version_; }
    /// The file as given to `load`.
    const std::filesystem::path& file() const noexcept { return file_; }

private:
    library(std::shared_ptr<void> handle,
            std::filesystem::path file,
            uint32_t abi_version,
            const wprun_plugin_info* info);

    std::shared_ptr<void> handle_;  // the Boost.DLL shared_library, kept out of this header
    std::filesystem::path file_;
    uint32_t abi_version_;
    const wprun_plugin_info* info_;
};

/// Throws startup_error(exit_code::plugin) unless a plugin built for `plugin_abi` may be loaded by
/// a host speaking `host_abi`: same major, plugin minor <= host minor. `file` is for the message.
void check_abi_compatible(uint32_t plugin_abi,
                          uint32_t host_abi,
                          const std::filesystem::path& file);

}  // namespace wprun::plugin
