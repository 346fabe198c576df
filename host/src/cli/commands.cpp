#include "cli/commands.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

#include "cli/graph.h"
#include "cli/prepare.h"
#include "cli/validate_json.h"
#include "config/units.h"
#include "engine/host_api.h"
#include "engine/pipeline.h"
#include "plugin/registry.h"

namespace wprun::cli {
namespace {

std::string abi_text(uint32_t abi) {
    return fmt::format("{}.{}", WPRUN_ABI_VERSION_MAJOR(abi), WPRUN_ABI_VERSION_MINOR(abi));
}

std::string type_name(wprun_value_type t) {
    switch (t) {
        case WPRUN_TYPE_INT:
            return "int";
        case WPRUN_TYPE_FLOAT:
            return "float";
        case WPRUN_TYPE_BOOL:
            return "bool";
        case WPRUN_TYPE_DURATION:
            return "duration";
        case WPRUN_TYPE_SIZE:
            return "size";
        default:
            return "string";
    }
}

/// A stage using the processor: its required options as placeholders, then up to two defaults.
std::string example_stage(const wprun_processor_def& d,
                          const std::vector<engine::field_schema>& fields) {
    std::vector<std::string> parts;
    for (const auto& f : fields)
        if (f.required) parts.push_back(f.name + ": <" + type_name(f.type) + ">");
    size_t defaults = 0;
    for (const auto& f : fields) {
        if (f.required || !f.default_value || defaults == 2) continue;
        ++defaults;
        parts.push_back(f.name + ": " + (f.default_value->empty() ? "\"\"" : *f.default_value));
    }
    std::string text =
        fmt::format("  - name: {}\n    processor: {}\n    workers: auto\n", d.name, d.name);
    if (!parts.empty()) text += fmt::format("    config: {{{}}}\n", fmt::join(parts, ", "));
    return text;
}

void print_schema(const plugin::processor_entry& p) {
    const wprun_processor_def& d = *p.def;
    fmt::print("{} — {}\n", d.name, d.description ? d.description : "");
    fmt::print("plugin: {} {} (SDK ABI {}), {}\n", p.plugin_name, p.plugin_version,
               abi_text(p.abi_version), p.file);
    fmt::print("max workers: {}\n", d.max_workers ? std::to_string(d.max_workers) : "no limit");
    fmt::print("config:{}\n", d.config_field_count ? "" : " (none)");
    std::vector<engine::field_schema> fields = plugin::schema_of(d);
    for (const auto& f : fields) {
        std::string def = f.required        ? "required"
                          : f.default_value ? "default " + *f.default_value
                                            : "optional";
        fmt::print("  {:<14} {:<9} {:<22} {}\n", f.name, type_name(f.type), def, f.description);
    }
    fmt::print("example (under stages:):\n{}", example_stage(d, fields));
}

void print_catalog(const plugin::registry& registry) {
    fmt::print("{:<14} {:<10} {:<9} {:<4} {}\n", "PROCESSOR", "PLUGIN", "VERSION", "ABI",
               "DESCRIPTION");
    for (const auto* p : registry.processors())
        fmt::print("{:<14} {:<10} {:<9} {:<4} {}\n", p->def->name, p->plugin_name,
                   p->plugin_version, abi_text(p->abi_version),
                   p->def->description ? p->def->description : "");
}

}  // namespace

void print_diagnostics(const diagnostics& problems) {
    for (const diagnostic& d : problems.items()) fmt::print(stderr, "{}\n", d.str());
}

int validate_command(const std::vector<std::string>& files, const common_options& opts, bool json) {
    plugin::registry registry(engine::host_api());
    use_plugin_path(registry, opts.plugin_paths);
    int worst = 0;
    std::vector<validated_file> checked;
    for (const std::string& file : files) {
        validated_file& f = checked.emplace_back();
        f.file = file;
        try {
            prepared_pipeline p = prepare_pipeline(file, opts.overrides, registry);
            engine::pipeline check(p.stages);  // processors get to refuse their config too
            f.problems = p.warnings;
            f.stages = p.stages.size();
        } catch (const startup_error& e) {
            f.problems = e.problems();
            worst = std::max(worst, static_cast<int>(e.code()));
        }
        if (json) continue;
        print_diagnostics(f.problems);
        if (f.stages && !opts.quiet) fmt::print("{}: ok ({} stage(s))\n", file, *f.stages);
    }
    if (json) fmt::print("{}", validate_json(checked));
    return worst;
}

int graph_command(const std::string& file, const std::string& format, const common_options& opts) {
    std::optional<graph_format> chosen = parse_graph_format(format);
    if (!chosen)
        throw startup_error(exit_code::usage, location{},
                            unknown_name_message("graph format", format, {"dot", "mermaid"}));
    plugin::registry registry(engine::host_api());
    use_plugin_path(registry, opts.plugin_paths);
    prepared_pipeline p = prepare_pipeline(file, opts.overrides, registry);
    engine::pipeline check(p.stages);  // the same checks as `validate`; nothing runs
    print_diagnostics(p.warnings);
    fmt::print("{}", render_graph(p.spec, *chosen));
    return 0;
}

int plugins_command(const std::string& name, const common_options& opts) {
    plugin::registry registry(engine::host_api());
    diagnostics warnings;
    load_plugins(registry, opts.plugin_paths, warnings);
    print_diagnostics(warnings);
    if (name.empty()) {
        print_catalog(registry);
        return 0;
    }
    if (const plugin::processor_entry* p = registry.find(name)) {
        print_schema(*p);
        return 0;
    }
    std::vector<std::string> names;
    for (const auto* p : registry.processors()) names.push_back(p->def->name);
    throw startup_error(exit_code::usage, location{},
                        unknown_name_message("processor", name, names));
}

}  // namespace wprun::cli
