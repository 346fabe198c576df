#include "plugin/library.h"

#include <array>
#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "detail/error.h"
#include "plugin/permissions.h"

namespace wprun::plugin {
namespace fs = std::filesystem;
namespace dll = boost::dll;

namespace {

// Sizes of the 1.0 structs, up to the end of their last 1.0 field: a plugin built for a later
// 1.x may send bigger structs, but never smaller ones.
constexpr size_t v1_info_size = offsetof(wprun_plugin_info, processor_count) + sizeof(size_t);
constexpr size_t v1_processor_size = offsetof(wprun_processor_def, flush) + sizeof(void*);
constexpr size_t v1_field_size = offsetof(wprun_config_field, description) + sizeof(const char*);

[[noreturn]] void fail(std::string message) {
    throw startup_error(exit_code::plugin, location{}, std::move(message));
}

std::string quoted(const fs::path& file) { return "'" + file.string() + "'"; }

std::string version_text(uint32_t abi) {
    return std::to_string(WPRUN_ABI_VERSION_MAJOR(abi)) + "." +
           std::to_string(WPRUN_ABI_VERSION_MINOR(abi));
}

std::string_view without_prefix(std::string_view text, std::string_view prefix) {
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
    return text;
}

// Boost.DLL 1.74 reports every dlopen failure as "boost::dll::shared_library::load() failed
// (dlerror system message: <file>: <reason>): Bad file descriptor", whatever the real cause:
// only <reason> is true and useful.
std::string dlopen_reason(const std::system_error& e, const fs::path& file) {
    std::string_view what = e.what();
    constexpr std::string_view bad_fd = ": Bad file descriptor";
    constexpr std::string_view tag = "(dlerror system message: ";
    if (what.ends_with(bad_fd)) what.remove_suffix(bad_fd.size());
    size_t at = what.find(tag);
    if (at != std::string_view::npos && what.ends_with(')')) {
        what = what.substr(at + tag.size());
        what.remove_suffix(1);
    }
    return std::string(without_prefix(what, file.string() + ": "));
}

std::string load_advice(std::string_view reason) {
    constexpr auto npos = std::string_view::npos;
    if (reason.find("undefined symbol") != npos || reason.find("version `") != npos)
        return "it was probably built against another version of a library it uses (or of "
               "wprun): rebuild it against the libraries installed here";
    if (reason.find("cannot open shared object file") != npos)
        return "a library it needs is missing: install it or add its folder to LD_LIBRARY_PATH";
    return "check that it is a shared library built for this platform";
}

void require_file(const fs::path& file) {
    std::error_code ec;
    fs::file_status st = fs::status(file, ec);
    if (!fs::exists(st))
        fail("plugin file " + quoted(file) +
             " does not exist: check --plugin-path, WPRUN_PLUGIN_PATH or the stage's plugin "
             "setting");
    if (fs::is_directory(st))
        fail("plugin file " + quoted(file) +
             " is a folder: give a library file, or put the folder on the plugin path");
}

std::shared_ptr<dll::shared_library> open(const fs::path& file) {
    try {
        return std::make_shared<dll::shared_library>(
            file, dll::load_mode::rtld_now | dll::load_mode::rtld_local);
    } catch (const std::system_error& e) {
        std::string reason = dlopen_reason(e, file);
        fail("cannot load plugin " + quoted(file) + ": " + reason + "; " + load_advice(reason));
    }
}

/// The address of the function `name`, or nullptr when the library does not export it.
template <class Fn>
Fn entry_point(const dll::shared_library& lib, const char* name) {
    // get<T> with a function type gives a reference to the function; with a pointer type it
    // would read the function's code as a pointer.
    if (!lib.has(name)) return nullptr;
    return &lib.get<std::remove_pointer_t<Fn>>(name);
}

uint32_t exported_abi(const dll::shared_library& lib, const fs::path& file) {
    auto abi_version = entry_point<wprun_plugin_abi_version_fn>(lib, WPRUN_ENTRY_ABI_VERSION);
    if (abi_version == nullptr)
        fail(quoted(file) + " is not a wprun plugin (no " WPRUN_ENTRY_ABI_VERSION " symbol)");
    return abi_version();
}

const wprun_plugin_info* guarded_init(wprun_plugin_init_fn init,
                                      const wprun_host_api* host,
                                      wprun_error* error,
                                      const fs::path& file) {
    try {
        return init(host, error);
    } catch (...) {  // a plugin bug, but it must not take the host down
        fail("plugin " + quoted(file) +
             " threw an exception from " WPRUN_ENTRY_INIT
             ": plugins must not let exceptions cross the C boundary; report it to its author");
    }
}

const wprun_plugin_info* call_init(const dll::shared_library& lib,
                                   const wprun_host_api* host,
                                   const fs::path& file) {
    auto init = entry_point<wprun_plugin_init_fn>(lib, WPRUN_ENTRY_INIT);
    if (init == nullptr)
        fail(quoted(file) + " exports " WPRUN_ENTRY_ABI_VERSION " but not " WPRUN_ENTRY_INIT
                            ": it is not a complete wprun plugin; rebuild it with WPRUN_PLUGIN");
    std::array<char, 1024> message{};
    wprun_error error{message.data(), message.size()};
    const wprun_plugin_info* info = guarded_init(init, host, &error, file);
    message.back() = '\0';  // in case the plugin filled the buffer without terminating it
    if (info == nullptr)
        fail("plugin " + quoted(file) + " failed to initialise: " +
             (message[0] != '\0' ? std::string(message.data()) : "it gave no reason"));
    return info;
}

[[noreturn]] void malformed(const fs::path& file, const std::string& what) {
    fail("plugin " + quoted(file) + " is malformed: " + what +
         "; this is a bug in the plugin: report it to its author");
}

bool empty(const char* text) { return text == nullptr || *text == '\0'; }

void check_field(const wprun_config_field* field, const std::string& processor, const fs::path& f) {
    std::string where = "processor '" + processor + "' config field";
    if (field == nullptr) malformed(f, where + " is NULL");
    if (field->struct_size < v1_field_size) malformed(f, where + " has a struct_size too small");
    if (empty(field->name)) malformed(f, where + " has no name");
    int type = static_cast<int>(field->type);  // a C enum may hold any int
    if (type < WPRUN_TYPE_STRING || type > WPRUN_TYPE_SIZE)
        malformed(f, where + " '" + field->name + "' has an unknown type " + std::to_string(type));
}

void check_processor(const wprun_processor_def* def, size_t index, const fs::path& f) {
    std::string where = "processor #" + std::to_string(index);
    if (def == nullptr) malformed(f, where + " is NULL");
    if (def->struct_size < v1_processor_size)
        malformed(f, where + " has struct_size " + std::to_string(def->struct_size) +
                         ", smaller than ABI 1.0's " + std::to_string(v1_processor_size));
    if (empty(def->name)) malformed(f, where + " has no name");
    if (def->process == nullptr || def->create == nullptr || def->destroy == nullptr)
        malformed(f, "processor '" + std::string(def->name) +
                         "' lacks one of the required functions create, destroy, process");
    if (def->config_field_count > 0 && def->config_fields == nullptr)
        malformed(f, "processor '" + std::string(def->name) + "' has no config field table");
    for (size_t i = 0; i < def->config_field_count; ++i)
        check_field(def->config_fields[i], def->name, f);
}

// Two processors of one plugin with the same name: the registry could keep only one of them.
void check_unique_names(const wprun_plugin_info& info, const fs::path& f) {
    for (size_t i = 0; i < info.processor_count; ++i)
        for (size_t j = 0; j < i; ++j)
            if (std::string_view(info.processors[i]->name) == info.processors[j]->name)
                malformed(f, "it provides processor '" + std::string(info.processors[i]->name) +
                                 "' twice");
}

void check_info(const wprun_plugin_info& info, uint32_t abi, const fs::path& f) {
    if (info.struct_size < v1_info_size)
        malformed(f, "its wprun_plugin_info has struct_size " + std::to_string(info.struct_size) +
                         ", smaller than ABI 1.0's " + std::to_string(v1_info_size));
    if (info.abi_version != abi)
        malformed(f, "its info says ABI " + version_text(info.abi_version) + " but it exports " +
                         version_text(abi) + " from " WPRUN_ENTRY_ABI_VERSION);
    if (empty(info.name)) malformed(f, "its info has no plugin name");
    if (info.processor_count > 0 && info.processors == nullptr)
        malformed(f, "its info has no processor table");
    for (size_t i = 0; i < info.processor_count; ++i) check_processor(info.processors[i], i, f);
    check_unique_names(info, f);
}

}  // namespace

void check_abi_compatible(uint32_t plugin_abi, uint32_t host_abi, const fs::path& file) {
    uint32_t plugin_major = WPRUN_ABI_VERSION_MAJOR(plugin_abi);
    uint32_t host_major = WPRUN_ABI_VERSION_MAJOR(host_abi);
    std::string built_for = "plugin " + quoted(file) + " was built for SDK ABI " +
                            version_text(plugin_abi) + ", this wprun speaks " +
                            version_text(host_abi);
    if (plugin_major > host_major)
        fail(built_for + ": upgrade wprun, or rebuild the plugin against this wprun's SDK");
    if (plugin_major < host_major)
        fail(built_for + ": rebuild the plugin against this wprun's SDK");
    if (WPRUN_ABI_VERSION_MINOR(plugin_abi) > WPRUN_ABI_VERSION_MINOR(host_abi))
        fail("plugin " + quoted(file) + " needs host ABI " + version_text(plugin_abi) +
             " or newer, this wprun is " + version_text(host_abi) + ": upgrade wprun");
}

library::library(std::shared_ptr<void> handle,
                 fs::path file,
                 uint32_t abi_version,
                 const wprun_plugin_info* info)
    : handle_(std::move(handle)), file_(std::move(file)), abi_version_(abi_version), info_(info) {}

library library::load(const fs::path& file, const wprun_host_api* host) {
    try {
        require_file(file);
        if (std::optional<std::string> why = unsafe_plugin_file(file))
            fail("refusing to load plugin " + quoted(file) + ": " + *why);
        std::shared_ptr<dll::shared_library> lib = open(file);
        uint32_t abi = exported_abi(*lib, file);
        check_abi_compatible(abi, WPRUN_ABI_VERSION, file);
        const wprun_plugin_info* info = call_init(*lib, host, file);
        check_info(*info, abi, file);
        return library(std::move(lib), file, abi, info);
    } catch (const std::system_error& e) {  // Boost.DLL and the file system: never a crash
        fail("cannot load plugin " + quoted(file) + ": " + dlopen_reason(e, file));
    }
}

}  // namespace wprun::plugin
