#include "cli/prepare.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
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

/// `owner` names who wants the processor: "stage 'hash'" or "stage 'fan' branch 'upper'".
std::string unknown_processor_message(const std::string& owner,
                                      const std::string& processor,
                                      const plugin::registry& registry) {
    std::string message = owner + ": unknown processor '" + processor + "'";
    auto names = processor_names(registry);
    if (auto guess = config::did_you_mean(processor, names))
        message += "; did you mean '" + *guess + "'?";
    message += names.empty() ? " (no processor found: check --plugin-path or WPRUN_PLUGIN_PATH)"
                             : " (run `wprun plugins` to list them)";
    for (const diagnostic& failure : registry.load_failures())
        message += "\n  note: " + failure.message;
    return message;
}

/// The processor `name` (loading `plugin_file` first when set), or nullptr after reporting it.
const plugin::processor_entry* find_processor(const std::string& owner,
                                              const std::string& name,
                                              const std::string& plugin_file,
                                              const location& where,
                                              const engine::pipeline_spec& spec,
                                              plugin::registry& registry,
                                              diagnostics& diags) {
    if (!plugin_file.empty()) {
        std::filesystem::path file = plugin_file;
        if (file.is_relative()) file = std::filesystem::path(spec.base_dir) / file;
        registry.load_file(file);
    }
    const plugin::processor_entry* entry = registry.require(name, diags);
    if (entry == nullptr) diags.error(where, unknown_processor_message(owner, name, registry));
    return entry;
}

engine::branch_config to_branch_config(const engine::branch_spec& b,
                                       const plugin::processor_entry& entry) {
    engine::branch_config out;
    out.name = b.name;
    out.def = entry.def;
    for (const auto& o : b.config.items) out.config.emplace_back(o.name, o.value);
    if (!b.when_regex.empty()) out.when.emplace(b.when_regex, std::regex::ECMAScript);
    out.when_key = b.when_key;
    out.is_default = b.is_default;
    return out;
}

/// A fan-out stage's composite: each branch's processor found and its config checked like a
/// stage's. nullptr when a processor is unknown (`unknown` is then set).
std::shared_ptr<engine::fan_out> prepare_fan_out(engine::stage_spec& stage,
                                                 const engine::pipeline_spec& spec,
                                                 plugin::registry& registry,
                                                 diagnostics& diags,
                                                 bool& unknown) {
    std::vector<engine::branch_config> branches;
    for (engine::branch_spec& b : stage.branches) {
        std::string owner = "stage '" + stage.name + "' branch '" + b.name + "'";
        const plugin::processor_entry* entry = find_processor(
            owner, b.processor, b.plugin_file, b.processor_where, spec, registry, diags);
        if (entry == nullptr) {
            unknown = true;
            continue;
        }
        config::check_options(b.config, plugin::schema_of(*entry->def), owner + " config", b.where,
                              diags);
        branches.push_back(to_branch_config(b, *entry));
    }
    if (branches.size() != stage.branches.size() || branches.empty()) return nullptr;
    return std::make_shared<engine::fan_out>(stage.fan_out, std::move(branches));
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
    cfg.balance = stage.balance;
}

engine::stage_config to_stage_config(const engine::stage_spec& stage,
                                     const wprun_processor_def& def) {
    engine::stage_config cfg;
    cfg.name = stage.name;
    cfg.processor = stage.processor;
    cfg.def = &def;
    for (const auto& o : stage.config.items) cfg.config.emplace_back(o.name, o.value);
    cfg.workers = resolve_workers(stage.workers, def);
    if (stage.min_workers > 0) {  // dynamic: `max: auto` is one per hardware thread
        cfg.min_workers = stage.min_workers;
        cfg.max_workers = std::max(stage.min_workers, resolve_workers(stage.max_workers, def));
        cfg.scale_up_after_ns = stage.scale_up_after_ns;
        cfg.idle_ns = stage.idle_ns;
    }
    if (stage.adaptive) {  // `max` threads; the AIMD limit gates how many process at once
        cfg.adaptive = stage.adaptive;
        cfg.workers = stage.adaptive->max;
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

void use_plugin_path(plugin::registry& registry, const std::vector<std::string>& plugin_paths) {
    registry.set_search_path(plugin::plugin_search_path(plugin_paths));
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
    prepared_pipeline out{std::move(loaded.spec), {}, {}, {}};
    diagnostics diags = std::move(loaded.diags);
    engine::pipeline_spec& spec = out.spec;
    check_io(spec.source, "source", &io::source_schema, io::source_types(), diags);
    io::check_source(spec.source, diags);
    check_io(spec.sink, "sink", &io::sink_schema, io::sink_types(), diags);
    check_io(spec.errors, "errors", &io::error_sink_schema, io::error_sink_types(), diags);
    bool unknown = false;
    limiter_map limiters = make_shared_limiters(spec);
    for (engine::stage_spec& stage : spec.stages) {
        if (stage.fan_out != engine::fan_out_mode::none) {
            if (stage.isolation == engine::isolation_mode::process)
                diags.error(stage.isolation_where,
                            "stage '" + stage.name +
                                "': isolation: process is not supported on a broadcast/route "
                                "stage; put the branch to isolate in a stage of its own");
            auto plan = prepare_fan_out(stage, spec, registry, diags, unknown);
            if (plan == nullptr) continue;
            engine::stage_config& cfg =
                out.stages.emplace_back(to_stage_config(stage, *plan->def()));
            cfg.config = plan->stage_config_entries();
            add_policies(cfg, stage, limiters);
            out.fan_outs.push_back(std::move(plan));
            continue;
        }
        const plugin::processor_entry* entry =
            find_processor("stage '" + stage.name + "'", stage.processor, stage.plugin_file,
                           stage.processor_where, spec, registry, diags);
        if (entry == nullptr) {
            unknown = true;
            continue;
        }
        config::check_options(stage.config, plugin::schema_of(*entry->def),
                              "stage '" + stage.name + "' config", stage.where, diags);
        engine::stage_config& cfg = out.stages.emplace_back(to_stage_config(stage, *entry->def));
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
