#include "cli/lint.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "config/units.h"

namespace wprun::cli {
namespace {

constexpr unsigned workers_per_thread = 4;          // more than this many per core: warn
constexpr double burst_seconds = 60;                // a burst above a minute of the rate: warn
constexpr int64_t shortest_timeout_ns = 1'000'000;  // 1ms

/// "100/s", or "5/m" for rates under one per second.
std::string rate_text(double per_s) {
    if (per_s >= 1) return fmt::format("{:g}/s", per_s);
    return fmt::format("{:g}/m", per_s * 60);
}

/// Whether the duration option `name` is set to more than zero.
bool positive_duration(const engine::options& config, std::string_view name) {
    const engine::option* o = config.find(name);
    std::optional<int64_t> ns = o ? config::parse_duration_ns(o->value) : std::nullopt;
    return ns && *ns > 0;
}

/// Whether the shipped processor `processor` spends its calls waiting rather than computing:
/// `exec` and `http` wait on a child or the network, `chaos` sleeps when told to.
bool waits(const std::string& processor, const engine::options& config) {
    if (processor == "exec" || processor == "http") return true;
    return processor == "chaos" &&
           (positive_duration(config, "sleep") || positive_duration(config, "jitter"));
}

/// Adaptive stages count too: their threads wait on the AIMD limit, which measures the latency.
bool looks_io_bound(const engine::stage_spec& stage) {
    auto branch = [](const engine::branch_spec& b) { return waits(b.processor, b.config); };
    return stage.rate_limit || stage.timeout_ns > 0 || waits(stage.processor, stage.config) ||
           stage.adaptive || std::any_of(stage.branches.begin(), stage.branches.end(), branch);
}

void check_workers(const engine::stage_spec& stage,
                   const engine::stage_config& cfg,
                   unsigned threads,
                   diagnostics& out) {
    if (cfg.workers <= workers_per_thread * threads || looks_io_bound(stage)) return;
    out.warning(stage.workers_where,
                fmt::format("stage '{}': workers {} is more than {} times the {} hardware "
                            "thread(s); with no rate_limit, timeout, exec, http or chaos sleep "
                            "the stage is likely CPU-bound, so the extra threads only wait for a "
                            "core (and cost memory and context switches); use 'workers: auto'",
                            stage.name, cfg.workers, workers_per_thread, threads),
                "workers-above-cores");
}

void check_timeout(const engine::stage_spec& stage, diagnostics& out) {
    int64_t ns = stage.timeout_ns;
    if (ns <= 0 || ns >= shortest_timeout_ns) return;
    int64_t shown = ns % 1000 == 0 ? ns / 1000 : ns;  // the number format_duration shows (us, ns)
    out.warning(stage.timeout_where,
                fmt::format("stage '{}': timeout {} is shorter than 1ms, less than it takes to "
                            "wake a thread, so most calls will time out; did you mean {}ms?",
                            stage.name, config::format_duration(ns), shown),
                "timeout-too-short");
}

void check_burst(const engine::rate_limit_spec& limit, const std::string& owner, diagnostics& out) {
    // burst 1 (the default and the minimum) is never a mistake, however slow the rate.
    if (!limit.shared.empty() || limit.burst <= std::max(1.0, limit.rate_per_s * burst_seconds))
        return;
    out.warning(limit.where,
                fmt::format("{}: burst {:g} is more than a minute's worth of the rate {} ({:g}): "
                            "after an idle minute it lets that many items through at once; is "
                            "the rate's unit right (/s, /m, /h)?",
                            owner, limit.burst, rate_text(limit.rate_per_s),
                            limit.rate_per_s * burst_seconds),
                "burst-above-a-minute");
}

void check_window(const prepared_pipeline& p, diagnostics& out) {
    const engine::options& sink = p.spec.sink.opts;
    if (!sink.get_bool("ordered") || p.stages.empty()) return;
    auto widest =
        std::max_element(p.stages.begin(), p.stages.end(),
                         [](const auto& a, const auto& b) { return a.workers < b.workers; });
    auto window = static_cast<uint64_t>(sink.get_int("window", 16384));
    if (window >= widest->workers) return;
    const engine::option* o = sink.find("window");
    out.warning(o ? o->where : p.spec.sink.where,
                fmt::format("sink: window {} is smaller than the {} workers of stage '{}': at "
                            "most {} source item(s) are in flight, so {} of its workers stay idle; "
                            "raise window to at least {} (default 16384)",
                            window, widest->workers, widest->name, window, widest->workers - window,
                            widest->workers),
                "window-narrower-than-workers");
}

/// An ordered sink behind worker lanes: a lane that holds many of one slow key's items holds back
/// the reorder window too, and with a window narrower than a lane the whole run waits for it.
void check_lanes_and_window(const prepared_pipeline& p,
                            const engine::stage_spec& stage,
                            diagnostics& out) {
    const engine::options& sink = p.spec.sink.opts;
    if (stage.balance == engine::balance_strategy::shared || !sink.get_bool("ordered")) return;
    auto window = static_cast<uint64_t>(sink.get_int("window", 16384));
    if (window >= stage.queue_items) return;
    out.warning(stage.balance_where,
                fmt::format("stage '{}': balance: {} feeds an ordered sink whose window ({}) is "
                            "smaller than the stage's queue ({} items): one lane can hold the "
                            "items the window waits for while the other workers idle; raise the "
                            "sink's window to at least {}, or use balance: shared",
                            stage.name, engine::balance_name(stage.balance), window,
                            stage.queue_items, stage.queue_items),
                "balance-lane-above-window");
}

void check_unused_limiters(const engine::pipeline_spec& spec, diagnostics& out) {
    for (const auto& [name, limit] : spec.limiters) {
        bool used = std::any_of(spec.stages.begin(), spec.stages.end(), [&](const auto& s) {
            return s.rate_limit && s.rate_limit->shared == name;
        });
        if (!used)
            out.warning(limit.where,
                        fmt::format("limiter '{}' is not used by any stage; name it in a stage's "
                                    "'rate_limit: {}' or remove it",
                                    name, name),
                        "limiter-unused");
    }
}

/// The source's item count when it is known without reading it (a range).
std::optional<uint64_t> known_total(const engine::pipeline_spec& spec) {
    if (spec.source.type != "range") return std::nullopt;
    int64_t count = spec.source.opts.get_int("count", -1);
    return count >= 0 ? std::optional<uint64_t>(static_cast<uint64_t>(count)) : std::nullopt;
}

void check_rate_against_deadline(const engine::pipeline_spec& spec, diagnostics& out) {
    std::optional<uint64_t> total = known_total(spec);
    if (spec.deadline_ns <= 0 || !total) return;
    double seconds = static_cast<double>(spec.deadline_ns) / 1e9;
    for (const engine::stage_spec& stage : spec.stages) {
        if (!stage.rate_limit) continue;
        const engine::rate_limit_spec* limit = &*stage.rate_limit;
        for (const auto& [name, shared] : spec.limiters)
            if (name == limit->shared) limit = &shared;
        double most = limit->rate_per_s * seconds + limit->burst;
        if (most >= static_cast<double>(*total)) continue;
        out.warning(stage.rate_limit->where,
                    fmt::format("stage '{}': its rate limit {} lets at most {:.0f} items through "
                                "before the deadline {}, but the source has {}: the run will stop "
                                "at the deadline with items cancelled; raise the rate or the "
                                "deadline",
                                stage.name, rate_text(limit->rate_per_s), most,
                                config::format_duration(spec.deadline_ns), *total),
                    "rate-below-deadline");
    }
}

/// `balance: key` with a source that gives no key (range, lines without `key:`): one worker.
void check_key_balance(const engine::pipeline_spec& spec,
                       const engine::stage_spec& stage,
                       diagnostics& out) {
    if (stage.balance != engine::balance_strategy::key) return;
    const engine::io_spec& src = spec.source;
    if (src.type != "range" && !(src.type == "lines" && !src.opts.has("key"))) return;
    out.warning(stage.balance_where,
                fmt::format("stage '{}': balance: key, but the {} source gives its items no key, "
                            "so every item goes to one worker; give them a key (lines `key:`, "
                            "jsonl `key:`, files) or use balance: round_robin",
                            stage.name, src.type),
                "balance-key-without-keys");
}

/// A worker of a shared queue (the redis source) acknowledges what it wrote; restarted, a sink
/// that replaces its file throws that away (lines, jsonl and the jsonl error output without
/// `append`).
void check_queue_outputs(const engine::pipeline_spec& spec, diagnostics& out) {
    if (spec.source.type != "redis") return;
    auto check = [&](const engine::io_spec& o, const char* role) {
        if (o.type != "lines" && o.type != "jsonl") return;
        if (o.opts.get_string("path", "-") == "-" || o.opts.get_bool("append")) return;
        out.warning(o.where,
                    fmt::format("{}: the redis source acknowledges each entry once it is written "
                                "here, but a restarted worker replaces this file: add `append: "
                                "true`, or the entries its earlier run wrote are gone",
                                role),
                    "queue-output-replaced");
    };
    check(spec.sink, "sink");
    check(spec.errors, "errors");
}

}  // namespace

diagnostics lint_pipeline(const prepared_pipeline& p, unsigned hardware_threads) {
    diagnostics out;
    unsigned threads = std::max(1u, hardware_threads);
    for (size_t i = 0; i < p.spec.stages.size() && i < p.stages.size(); ++i) {
        const engine::stage_spec& stage = p.spec.stages[i];
        check_workers(stage, p.stages[i], threads, out);
        check_timeout(stage, out);
        check_key_balance(p.spec, stage, out);
        check_lanes_and_window(p, stage, out);
        if (stage.rate_limit)
            check_burst(*stage.rate_limit, "stage '" + stage.name + "' rate_limit", out);
    }
    for (const auto& [name, limit] : p.spec.limiters)
        check_burst(limit, "limiter '" + name + "'", out);
    check_window(p, out);
    check_unused_limiters(p.spec, out);
    check_rate_against_deadline(p.spec, out);
    check_queue_outputs(p.spec, out);
    return out;
}

}  // namespace wprun::cli
