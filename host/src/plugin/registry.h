// registry: every loaded plugin and the processors they provide, by name.
//
// Build one at start-up, either lazily (what a run does): `set_search_path` (see search_path.h),
// then `require` each processor a pipeline names, which loads only the libraries it takes; or
// eagerly (what `wprun plugins` does): `scan` the search path, then look processors up with
// `find`. `load_file` loads a library a stage names. The registry owns the loaded libraries, so
// every `wprun_processor_def` pointer it hands out is valid for the registry's lifetime: keep it
// alive for the whole run. A broken plugin in a scanned folder is only a warning, so it cannot
// stop runs that do not use it; it is remembered (`load_failures`) so that an "unknown
// processor" error can point at it.
// Thread-safety: build from one thread; once built, the const members may be called from any.
#pragma once

#include <wprun/plugin_abi.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "detail/error.h"
#include "engine/spec.h"
#include "plugin/library.h"

namespace wprun::plugin {

/// One processor and the plugin that provides it.
struct processor_entry {
    const wprun_processor_def* def;  ///< owned by the plugin, valid while the registry lives
    std::string plugin_name, plugin_version, file;
    uint32_t abi_version;  ///< the plugin's ABI version
};

class registry {
public:
    /// `host` is passed to every `wprun_plugin_init` and must outlive the registry.
    explicit registry(const wprun_host_api* host);
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;
    registry(registry&&) = default;
    registry& operator=(registry&&) = default;

    /// Loads one library. Throws startup_error(exit_code::plugin) on any problem, including a
    /// processor name another file already provides. A file already loaded (same canonical
    /// path) is skipped.
    void load_file(const std::filesystem::path& file);

    /// Loads every *.so in each folder of `search_path`, in order (a file entry is loaded as with
    /// `load_file`). A library in a folder that fails to load is a warning in `diags` and is
    /// remembered; a duplicate processor name still throws.
    void scan(const std::vector<std::filesystem::path>& search_path, diagnostics& diags);

    /// Lazy loading: remembers `search_path` for `require` and loads its file entries now (as
    /// `load_file`); its folders are only looked into when `require` asks for a processor.
    void set_search_path(std::vector<std::filesystem::path> search_path);

    /// The processor called `processor`, loading the libraries it takes from the search path set
    /// with `set_search_path`. First (once per name) the libraries named after it,
    /// `libwprun_<processor>.so` and `<processor>.so`, in every folder of the search path (names
    /// that are not plain file names, with a '/' or a leading '.', skip this), and the libraries
    /// whose processors hint lists it: a file `<library>.so.processors` beside the library, one
    /// processor name a line. When no loaded library provides it then, every library on the
    /// search path (as `scan`, once). nullptr when still not found. As with `scan`, a library
    /// that fails to load is a warning in `diags` and a processor name provided twice throws. A
    /// hint is only a hint: the library it names is loaded and checked like any other, so a
    /// wrong one costs the full load, never a wrong processor.
    const processor_entry* require(std::string_view processor, diagnostics& diags);

    /// The processor called `processor` among those loaded, or nullptr.
    const processor_entry* find(std::string_view processor) const;
    /// Every processor, sorted by name.
    std::vector<const processor_entry*> processors() const;
    /// Warnings for the libraries that `scan` skipped, in the order met.
    const std::vector<diagnostic>& load_failures() const { return failures_; }

private:
    void scan_folder(const std::filesystem::path& folder, diagnostics& diags);
    void load_named(std::string_view processor, diagnostics& diags);
    void load_hinted(std::string_view processor, diagnostics& diags);
    void read_hints();
    void try_load(const std::filesystem::path& file, diagnostics& diags);
    void add(library lib, std::filesystem::path canonical);
    void check_no_duplicates(const library& lib) const;
    void remember_failure(const std::filesystem::path& canonical,
                          const startup_error& error,
                          diagnostics& diags);

    const wprun_host_api* host_;
    std::vector<library> libraries_;
    std::map<std::string, processor_entry, std::less<>> processors_;
    std::set<std::filesystem::path> loaded_;  // canonical paths
    std::set<std::filesystem::path> failed_;  // canonical paths, so a failure is told once
    std::vector<diagnostic> failures_;
    std::vector<std::filesystem::path> search_path_;  // for `require`
    std::set<std::string, std::less<>> looked_for_;   // names `require` was asked for
    std::map<std::string, std::vector<std::filesystem::path>, std::less<>> hints_;  // by processor
    bool hints_read_ = false;
    bool scanned_ = false;  // `require` scanned the search path
};

/// The config schema of `def` (a processor the registry checked) as the engine's type.
std::vector<engine::field_schema> schema_of(const wprun_processor_def& def);

}  // namespace wprun::plugin
