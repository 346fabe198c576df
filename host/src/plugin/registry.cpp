#include "plugin/registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <system_error>
#include <utility>

namespace wprun::plugin {
namespace fs = std::filesystem;

namespace {

/// The canonical path when it can be found, else `file` itself (its load then reports why).
fs::path canonical_or_same(const fs::path& file) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(file, ec);
    return ec ? file : canonical;
}

bool is_library_file(const fs::directory_entry& entry) {
    std::error_code ec;
    return entry.path().extension() == ".so" && entry.is_regular_file(ec);
}

/// The *.so files of `folder`, sorted so that loading (and any warning) does not depend on the
/// order the file system happens to list them in.
std::vector<fs::path> libraries_in(const fs::path& folder, diagnostics& diags) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (is_library_file(*it)) out.push_back(it->path());
    if (ec)
        diags.warning(location{}, "cannot read plugin folder '" + folder.string() + "': " +
                                      ec.message() + "; some of its plugins may be missing");
    std::sort(out.begin(), out.end());
    return out;
}

[[noreturn]] void duplicate(std::string_view processor,
                            const std::string& first,
                            const fs::path& second) {
    throw startup_error(exit_code::plugin, location{},
                        "processor '" + std::string(processor) + "' is provided by both '" + first +
                            "' and '" + second.string() +
                            "': remove one of them from the plugin path");
}

constexpr std::string_view processors_ext = ".processors";
constexpr std::string_view hint_suffix = ".so.processors";

/// The names of the processors hints in `folder` (`<library>.so.processors`), sorted; none when
/// it cannot be read. Plain string work: this runs on every start-up.
std::vector<std::string> hint_files_in(const fs::path& folder) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string& p = it->path().native();
        if (p.size() > hint_suffix.size() && p.ends_with(hint_suffix)) out.push_back(p);
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// The first 64 KiB of a small text file (a hint lists a few names); empty when unreadable.
std::string read_small_file(const std::string& file) {
    constexpr size_t most = 64 * 1024;
    std::string text;
    if (std::FILE* f = std::fopen(file.c_str(), "re")) {
        char buf[4096];
        while (text.size() < most)
            if (size_t n = std::fread(buf, 1, sizeof buf, f); n > 0)
                text.append(buf, n);
            else
                break;
        std::fclose(f);
    }
    return text;
}

std::string_view trimmed(std::string_view s) {
    auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

/// Whether `name` can be part of a file name in a plugin folder without leaving it.
bool is_plain_file_name(std::string_view name) {
    if (name.empty() || name.front() == '.') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
    });
}

engine::field_schema to_schema(const wprun_config_field& field) {
    engine::field_schema out;
    out.name = field.name;
    out.type = field.type;
    if (field.default_value != nullptr) out.default_value = field.default_value;
    out.required = field.required != 0;
    out.description = field.description != nullptr ? field.description : "";
    return out;
}

}  // namespace

registry::registry(const wprun_host_api* host) : host_(host) {}

void registry::load_file(const fs::path& file) {
    fs::path canonical = canonical_or_same(file);
    if (loaded_.contains(canonical)) return;
    add(library::load(file, host_), std::move(canonical));
}

void registry::scan(const std::vector<fs::path>& search_path, diagnostics& diags) {
    for (const fs::path& entry : search_path) {
        std::error_code ec;
        if (fs::is_directory(entry, ec))
            scan_folder(entry, diags);
        else
            load_file(entry);
    }
}

void registry::set_search_path(std::vector<fs::path> search_path) {
    search_path_ = std::move(search_path);
    for (const fs::path& entry : search_path_) {
        std::error_code ec;
        if (!fs::is_directory(entry, ec)) load_file(entry);
    }
}

const processor_entry* registry::require(std::string_view processor, diagnostics& diags) {
    if (looked_for_.insert(std::string(processor)).second) {
        if (is_plain_file_name(processor)) load_named(processor, diags);
        load_hinted(processor, diags);
    }
    if (const processor_entry* found = find(processor)) return found;
    if (!scanned_) {
        scanned_ = true;
        scan(search_path_, diags);
    }
    return find(processor);
}

/// Every folder's libraries named after `processor`, so that two of them in different folders
/// are still reported as a duplicate.
void registry::load_named(std::string_view processor, diagnostics& diags) {
    const std::string name(processor);
    const std::string files[] = {"libwprun_" + name + ".so", name + ".so"};
    for (const fs::path& entry : search_path_) {
        std::error_code ec;
        if (!fs::is_directory(entry, ec)) continue;
        for (const std::string& file : files)
            if (fs::path candidate = entry / file; fs::is_regular_file(candidate, ec))
                try_load(candidate, diags);
    }
}

/// The libraries whose processors hint names `processor` (every hint, so that a duplicate is
/// still reported).
void registry::load_hinted(std::string_view processor, diagnostics& diags) {
    if (!hints_read_) read_hints();
    auto it = hints_.find(processor);
    if (it == hints_.end()) return;
    for (const fs::path& library : it->second) {
        std::error_code ec;
        if (fs::is_regular_file(library, ec)) try_load(library, diags);
    }
}

/// Every `<library>.so.processors` file in the folders of the search path, in order.
void registry::read_hints() {
    hints_read_ = true;
    for (const fs::path& entry : search_path_) {
        std::error_code ec;
        if (!fs::is_directory(entry, ec)) continue;
        for (const std::string& hint : hint_files_in(entry)) {
            fs::path library = hint.substr(0, hint.size() - processors_ext.size());  // *.so
            std::string text = read_small_file(hint);
            for (std::string_view rest = text; !rest.empty();) {
                size_t end = std::min(rest.find('\n'), rest.size());
                std::string_view name = trimmed(rest.substr(0, end));
                rest.remove_prefix(std::min(end + 1, rest.size()));
                if (!name.empty() && name.front() != '#')
                    hints_[std::string(name)].push_back(library);
            }
        }
    }
}

void registry::scan_folder(const fs::path& folder, diagnostics& diags) {
    for (const fs::path& file : libraries_in(folder, diags)) try_load(file, diags);
}

void registry::try_load(const fs::path& file, diagnostics& diags) {
    fs::path canonical = canonical_or_same(file);
    if (loaded_.contains(canonical) || failed_.contains(canonical)) return;
    std::optional<library> lib;
    try {
        lib = library::load(file, host_);
    } catch (const startup_error& e) {
        remember_failure(canonical, e, diags);
        return;
    }
    add(std::move(*lib), std::move(canonical));  // a duplicate name is ambiguous: not skipped
}

void registry::remember_failure(const fs::path& canonical,
                                const startup_error& error,
                                diagnostics& diags) {
    // The diagnostic's own message, not what(): that is already formatted as "error: ...".
    const auto& problems = error.problems().items();
    std::string message =
        "skipped a plugin: " + (problems.empty() ? std::string(error.what()) : problems[0].message);
    spdlog::debug("{}", message);
    failed_.insert(canonical);
    failures_.push_back({severity::warning, location{}, message, "plugin-skipped"});
    diags.warning(location{}, std::move(message));
}

void registry::check_no_duplicates(const library& lib) const {
    const wprun_plugin_info& info = lib.info();
    for (size_t i = 0; i < info.processor_count; ++i) {
        std::string_view name = info.processors[i]->name;
        if (auto it = processors_.find(name); it != processors_.end())
            duplicate(name, it->second.file, lib.file());
    }
}

void registry::add(library lib, fs::path canonical) {
    check_no_duplicates(lib);
    const wprun_plugin_info& info = lib.info();
    std::string version = info.version != nullptr ? info.version : "";
    for (size_t i = 0; i < info.processor_count; ++i) {
        const wprun_processor_def* def = info.processors[i];
        processors_.emplace(def->name, processor_entry{def, info.name, version, lib.file().string(),
                                                       lib.abi_version()});
    }
    spdlog::debug("loaded plugin '{}' {} from '{}'", info.name, version, lib.file().string());
    loaded_.insert(std::move(canonical));
    libraries_.push_back(std::move(lib));
}

const processor_entry* registry::find(std::string_view processor) const {
    auto it = processors_.find(processor);
    return it == processors_.end() ? nullptr : &it->second;
}

std::vector<const processor_entry*> registry::processors() const {
    std::vector<const processor_entry*> out;
    out.reserve(processors_.size());
    for (const auto& [name, entry] : processors_) out.push_back(&entry);
    return out;
}

std::vector<engine::field_schema> schema_of(const wprun_processor_def& def) {
    std::vector<engine::field_schema> out;
    out.reserve(def.config_field_count);
    for (size_t i = 0; i < def.config_field_count; ++i)
        out.push_back(to_schema(*def.config_fields[i]));
    return out;
}

}  // namespace wprun::plugin
