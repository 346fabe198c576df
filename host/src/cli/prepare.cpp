#include "cli/prepare.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "cli/lint.h"
#include "config/loader.h"
#include "config/options_check.h"
#include "config/suggest.h"
#include "io/factory.h"
#include "isolation/child_process.h"
#include "isolation/isolated_processor.h"
#include "plugin/search_path.h"

namespace wprun::cli {
namespace {

using schema_lookup = const std::vector<engine::field_schema>* (*)(std::string_view);

void check_io(engine::io_spec& io,
              std::string_view what,
              schema_lookup lookup,
              const std::vector<std::string>& types,
              diagnostics& diags) {
    const std::vector<engine::field_schema>* schema = lookup(io.type);
    if (schema == nullptr) {
        diags.error(io.where, unknown_name_message(std::string(what) + " type", io.type, types));
        return;
    }
    config::check_options(io.opts, *schema, std::string(what) + " '" + io.type + "'", io.where,
                          diags);
}

std::vector<std::string> processor_names(const plugin::registry& registry) {
    std::vector<std::string> names;
    for (const auto* p : registry.processors()) names.push_back(p->def->name);
    return names;
}

std::string unknown_processor_message(const engine::stage_spec& stage,
                                      const plugin::registry& registry) {
    std::string message = "stage '" + stage.name + "': unknown processor '" + stage.processor + "'";
    auto names = processor_names(registry);
    if (auto guess = config::did_you_mean(stage.processor, names))
        message += "; did you mean '" + *guess + "'?";
    message += names.empty() ? " (no processor found: check --plugin-path or WPRUN_PLUGIN_PATH)"
                             : " (run `wprun plugins` to list them)";
    for (const diagnostic& failure : registry.load_failures())
        message += "\n  note: " + failure.message;
    return message;
}

const plugin::processor_entry* find_processor(engine::stage_spec& stage,
                                              const engine::pipeline_spec& spec,
                                              plugin::registry& registry,
                                              diagnostics& diags) {
    if (!stage.plugin_file.empty()) {
        std::filesystem::path file = stage.plugin_file;
        if (file.is_relative()) file = std::filesystem::path(spec.base_dir) / file;
        registry.load_file(file);
    }
    const plugin::processor_entry* entry = registry.find(stage.processor);
    if (entry == nullptr)
        diags.error(stage.processor_where, unknown_processor_message(stage, registry));
    return entry;
}

using limiter_map = std::map<std::string, std::shared_ptr<engine::token_bucket>>;

std::shared_ptr<engine::token_bucket> make_limiter(const engine::rate_limit_spec& spec) {
    return std::make_shared<engine::token_bucket>(spec.rate_per_s, spec.burst,
                                                  engine::system_clock());
}

/// One token bucket per named limiter, shared by every stage that names it.
limiter_map make_shared_limiters(const engine::pipeline_spec& spec) {
    limiter_map out;
    for (const auto& [name, limit] : spec.limiters) out.emplace(name, make_limiter(limit));
    return out;
}

std::shared_ptr<engine::token_bucket> limiter_for(const engine::stage_spec& stage,
                                                  const limiter_map& shared) {
    if (!stage.rate_limit) return nullptr;
    if (stage.rate_limit->shared.empty()) return make_limiter(*stage.rate_limit);
    auto it = shared.find(stage.rate_limit->shared);
    return it == shared.end() ? nullptr : it->second;  // the loader checked the name
}

void add_policies(engine::stage_config& cfg,
                  const engine::stage_spec& stage,
                  const limiter_map& shared) {
    cfg.limiter = limiter_for(stage, shared);
    cfg.breaker = stage.circuit_breaker;
    cfg.timeout_ns = stage.timeout_ns;
    cfg.retry = stage.retry;
    cfg.on_error = stage.on_error;
    cfg.batch = stage.batch;
    cfg.priority = stage.priority;
}

engine::stage_config to_stage_config(const engine::stage_spec& stage,
                                     const plugin::processor_entry& entry) {
    engine::stage_config cfg;
    cfg.name = stage.name;
    cfg.processor = stage.processor;
    cfg.def = entry.def;
    for (const auto& o : stage.config.items) cfg.config.emplace_back(o.name, o.value);
    cfg.workers = resolve_workers(stage.workers, *entry.def);
    if (stage.min_workers > 0) {  // dynamic: `max: auto` is one per hardware thread
        cfg.min_workers = stage.min_workers;
        cfg.max_workers =
            std::max(stage.min_workers, resolve_workers(stage.max_workers, *entry.def));
        cfg.scale_up_after_ns = stage.scale_up_after_ns;
        cfg.idle_ns = stage.idle_ns;
    }
    cfg.queue_items = stage.queue_items;
    cfg.queue_bytes = stage.queue_bytes;
    cfg.where = stage.where;
    return cfg;
}

/// `isolation: process`: the stage runs `isolated_def`, which starts `wprun-worker` children.
void isolate(engine::stage_config& cfg,
             const engine::stage_spec& stage,
             const plugin::processor_entry& entry,
             diagnostics& diags) {
    if (stage.isolation != engine::isolation_mode::process) return;
    isolation::isolation_target target;
    target.worker_binary = isolation::default_worker_binary();
    target.plugin_file = std::filesystem::absolute(entry.file).string();
    target.processor = stage.processor;
    target.timeout_ns = cfg.timeout_ns;
    target.retry = cfg.retry.has_value() && cfg.retry->attempts > 1;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(target.worker_binary, ec))
        diags.error(stage.isolation_where, "stage '" + stage.name +
                                               "': isolation: process needs the wprun-worker "
                                               "helper beside wprun, but '" +
                                               target.worker_binary +
                                               "' does not exist: reinstall wprun");
    cfg.def = isolation::isolated_def(*entry.def);
    cfg.config = isolation::isolated_config(target, std::move(cfg.config));
}

}  // namespace

std::string unknown_name_message(std::string_view what,
                                 std::string_view name,
                                 const std::vector<std::string>& known) {
    std::string message = "unknown " + std::string(what) + " '" + std::string(name) + "'";
    if (auto guess = config::did_you_mean(name, known))
        message += "; did you mean '" + *guess + "'?";
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    return message + " (known: " + (list.empty() ? "none" : list) + ")";
}

void load_plugins(plugin::registry& registry,
                  const std::vector<std::string>& plugin_paths,
                  diagnostics& warnings) {
    registry.scan(plugin::plugin_search_path(plugin_paths), warnings);
}

unsigned resolve_workers(unsigned requested, const wprun_processor_def& def) {
    if (requested != 0) return requested;
    unsigned n = std::max(1u, std::thread::hardware_concurrency());
    return def.max_workers != 0 ? std::min(n, def.max_workers) : n;
}

prepared_pipeline prepare_pipeline(const std::string& file,
                                   const std::vector<std::string>& overrides,
                                   plugin::registry& registry) {
    config::load_result loaded = config::load_pipeline(file, overrides);
    if (loaded.diags.has_errors()) throw startup_error(exit_code::usage, loaded.diags);
    prepared_pipeline out{std::move(loaded.spec), {}, {}};
    diagnostics diags = std::move(loaded.diags);
    engine::pipeline_spec& spec = out.spec;
    check_io(spec.source, "source", &io::source_schema, io::source_types(), diags);
    check_io(spec.sink, "sink", &io::sink_schema, io::sink_types(), diags);
    check_io(spec.errors, "errors", &io::error_sink_schema, io::error_sink_types(), diags);
    bool unknown = false;
    limiter_map limiters = make_shared_limiters(spec);
    for (engine::stage_spec& stage : spec.stages) {
        const plugin::processor_entry* entry = find_processor(stage, spec, registry, diags);
        if (entry == nullptr) {
            unknown = true;
            continue;
        }
        config::check_options(stage.config, plugin::schema_of(*entry->def),
                              "stage '" + stage.name + "' config", stage.where, diags);
        engine::stage_config& cfg = out.stages.emplace_back(to_stage_config(stage, *entry));
        add_policies(cfg, stage, limiters);
        isolate(cfg, stage, *entry, diags);
    }
    if (diags.has_errors()) {
        bool plugin_trouble = unknown && !registry.load_failures().empty();
        throw startup_error(plugin_trouble ? exit_code::plugin : exit_code::usage, diags);
    }
    out.warnings = std::move(diags);
    out.warnings.append(lint_pipeline(out, std::thread::hardware_concurrency()));
    return out;
}

}  // namespace wprun::cli
