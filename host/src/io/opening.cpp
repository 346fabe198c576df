#include "io/opening.h"

#include <stdexcept>
#include <utility>

namespace wprun::io {

location option_where(const engine::io_spec& spec, std::string_view name) {
    const engine::option* o = spec.opts.find(name);
    if (o != nullptr && !o->where.file.empty()) return o->where;
    return spec.where;
}

void throw_option_error(const engine::io_spec& spec, std::string_view name, std::string message) {
    throw startup_error(exit_code::usage, option_where(spec, name), std::move(message));
}

std::string required_option(const engine::io_spec& spec, std::string_view name) {
    const engine::option* o = spec.opts.find(name);
    if (o != nullptr) return o->value;
    throw startup_error(exit_code::usage, spec.where,
                        spec.type + ": missing required option `" + std::string(name) + "`");
}

std::filesystem::path resolve_path(std::string_view text, const std::filesystem::path& base_dir) {
    std::filesystem::path p(text);
    if (p.is_absolute() || base_dir.empty()) return p;
    return base_dir / p;
}

line_reader open_input(const engine::io_spec& spec,
                       std::string_view name,
                       const std::filesystem::path& base_dir) {
    std::string text = required_option(spec, name);
    if (text == "-") {
        line_reader in = line_reader::standard_input();
        in.limit(spec.max_item_bytes);
        return in;
    }
    try {
        line_reader file = line_reader::open_path(resolve_path(text, base_dir));
        file.limit(spec.max_item_bytes);
        return file;
    } catch (const std::runtime_error& e) {
        throw_option_error(spec, name,
                           std::string(e.what()) + "; check the `" + std::string(name) +
                               "` option (relative paths resolve against the pipeline's folder)");
    }
}

output_file open_output(const engine::io_spec& spec,
                        std::string_view name,
                        const std::filesystem::path& base_dir,
                        bool append,
                        output_file (*standard)()) {
    std::string text = required_option(spec, name);
    if (text == "-") return standard();
    try {
        return output_file::open_path(resolve_path(text, base_dir), append || spec.resume);
    } catch (const std::runtime_error& e) {
        throw_option_error(spec, name,
                           std::string(e.what()) + "; check that its folder exists and is " +
                               "writable, or fix the `" + std::string(name) + "` option");
    }
}

std::vector<engine::field_schema> with_sink_fields(std::vector<engine::field_schema> own) {
    own.push_back({"ordered", WPRUN_TYPE_BOOL, "false", false,
                   "write items in source order (through a bounded reorder window)"});
    own.push_back(
        {"window", WPRUN_TYPE_INT, "16384", false,
         "with ordered: how many items may wait for an earlier one before intake pauses"});
    return own;
}

}  // namespace wprun::io
