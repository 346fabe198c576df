#include "cli/prometheus.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <functional>

namespace wprun::cli {
namespace {

using stage_value = std::function<double(const engine::stage_report&)>;

std::string number(double v) { return fmt::format("{}", v); }
std::string number(uint64_t v) { return std::to_string(v); }

/// Appends families and samples; each family's HELP and TYPE come before its samples.
class exposition {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    template <typename T>
    void sample(std::string_view name, const std::string& labels, T value) {
        if (labels.empty())
            text_ += fmt::format("{} {}\n", name, number(value));
        else
            text_ += fmt::format("{}{{{}}} {}\n", name, labels, number(value));
    }
    std::string take() { return std::move(text_); }

private:
    std::string text_;
};

std::string stage_label(const engine::stage_report& s) {
    return "stage=\"" + escape_label_value(s.name) + "\"";
}

void run_families(exposition& out, const metrics_snapshot& m) {
    out.family("wprun_run_up", "gauge", "1 while the run goes, 0 before it starts and once done.");
    out.sample("wprun_run_up", "", uint64_t{m.running ? 1u : 0u});
    out.family("wprun_run_finished", "gauge", "1 once the run has ended (final numbers).");
    out.sample("wprun_run_finished", "", uint64_t{m.finished ? 1u : 0u});
    out.family("wprun_run_elapsed_seconds", "gauge", "Seconds since the run started.");
    out.sample("wprun_run_elapsed_seconds", "", m.report.wall_seconds);
    out.family("wprun_run_info", "gauge", "The pipeline being run (always 1).");
    out.sample("wprun_run_info", "pipeline=\"" + escape_label_value(m.pipeline) + "\"",
               uint64_t{1});
}

void ledger_families(exposition& out, const engine::run_report& r) {
    const engine::ledger& l = r.totals;
    out.family("wprun_source_items_read_total", "counter", "Items read from the source.");
    out.sample("wprun_source_items_read_total", "", l.read);
    if (r.total) {
        out.family("wprun_source_items_expected", "gauge",
                   "Items the source will read, when it knows (range count, files found).");
        out.sample("wprun_source_items_expected", "", *r.total);
    }
    out.family("wprun_items_spawned_total", "counter",
               "Extra items made by stages (fan-out outputs beyond the first, flush outputs).");
    out.sample("wprun_items_spawned_total", "", l.spawned);
    out.family("wprun_items_total", "counter",
               "Items that reached a terminal state, by outcome; at the end their sum is read + "
               "spawned (the ledger).");
    out.sample("wprun_items_total", "outcome=\"written\"", l.written);
    out.sample("wprun_items_total", "outcome=\"filtered\"", l.filtered);
    out.sample("wprun_items_total", "outcome=\"failed\"", l.failed);
    out.sample("wprun_items_total", "outcome=\"cancelled\"", l.cancelled);
}

void per_stage(exposition& out,
               const engine::run_report& r,
               std::string_view name,
               std::string_view type,
               std::string_view help,
               const stage_value& value) {
    out.family(name, type, help);
    for (const engine::stage_report& s : r.stages) out.sample(name, stage_label(s), value(s));
}

template <typename T>
double as_double(T v) {
    return static_cast<double>(v);
}

void stage_count_families(exposition& out, const engine::run_report& r) {
    using sr = engine::stage_report;
    per_stage(out, r, "wprun_stage_items_in_total", "counter", "Items the stage took.",
              [](const sr& s) { return as_double(s.counts.in); });
    per_stage(out, r, "wprun_stage_items_out_total", "counter", "Outputs the stage emitted.",
              [](const sr& s) { return as_double(s.counts.out); });
    out.family("wprun_stage_items_ended_total", "counter",
               "Items that ended at the stage, by outcome.");
    for (const sr& s : r.stages) {
        std::string stage = stage_label(s);
        out.sample("wprun_stage_items_ended_total", stage + ",outcome=\"filtered\"",
                   s.counts.filtered);
        out.sample("wprun_stage_items_ended_total", stage + ",outcome=\"failed\"", s.counts.failed);
        out.sample("wprun_stage_items_ended_total", stage + ",outcome=\"cancelled\"",
                   s.counts.cancelled);
    }
    per_stage(out, r, "wprun_stage_retries_total", "counter",
              "Extra processor calls made by the retry policy.",
              [](const sr& s) { return as_double(s.counts.retried); });
    per_stage(out, r, "wprun_stage_timeouts_total", "counter",
              "Processor calls that ran past the stage's timeout.",
              [](const sr& s) { return as_double(s.counts.timed_out); });
    per_stage(out, r, "wprun_stage_busy_seconds_total", "counter",
              "Time the stage's workers spent in the processor, summed over workers.",
              [](const sr& s) { return as_double(s.counts.busy_ns) / 1e9; });
}

void stage_gauge_families(exposition& out, const engine::run_report& r) {
    using sr = engine::stage_report;
    per_stage(out, r, "wprun_stage_workers", "gauge", "Workers running.",
              [](const sr& s) { return as_double(s.running); });
    per_stage(out, r, "wprun_stage_workers_busy", "gauge", "Workers inside a processor call.",
              [](const sr& s) { return as_double(s.busy); });
    per_stage(out, r, "wprun_stage_queue_depth", "gauge", "Items waiting in the input queue.",
              [](const sr& s) { return as_double(s.queue_depth); });
    per_stage(out, r, "wprun_stage_queue_capacity", "gauge", "Items the input queue can hold.",
              [](const sr& s) { return as_double(s.queue_capacity); });
    per_stage(out, r, "wprun_stage_queue_high_water", "gauge",
              "Most items the input queue has held so far.",
              [](const sr& s) { return as_double(s.queue_high_water); });
}

void stage_policy_families(exposition& out, const engine::run_report& r) {
    using sr = engine::stage_report;
    per_stage(out, r, "wprun_stage_breaker_transitions_total", "counter",
              "Changes of the stage's circuit breaker state.",
              [](const sr& s) { return as_double(s.breaker.size()); });
    per_stage(out, r, "wprun_stage_breaker_rejected_total", "counter",
              "Items the open circuit breaker turned away.",
              [](const sr& s) { return as_double(s.breaker_rejected); });
    per_stage(out, r, "wprun_stage_limiter_waits_total", "counter",
              "Calls that waited for the rate limiter.",
              [](const sr& s) { return as_double(s.limiter_waits); });
    per_stage(out, r, "wprun_stage_limiter_wait_seconds_total", "counter",
              "Time spent waiting for the rate limiter.",
              [](const sr& s) { return s.limiter_waited_seconds; });
}

void latency_family(exposition& out, const engine::run_report& r) {
    const char* name = "wprun_stage_latency_seconds";
    out.family(name, "histogram",
               "Processor call latency (per-call average of a batch when items move in bulk).");
    const std::vector<double>& bounds = latency_bounds_seconds();
    for (const engine::stage_report& s : r.stages) {
        std::string stage = stage_label(s);
        std::vector<uint64_t> counts = cumulative_latency_counts(s.latency);
        for (size_t i = 0; i < bounds.size(); ++i)
            out.sample("wprun_stage_latency_seconds_bucket",
                       stage + ",le=\"" + number(bounds[i]) + "\"", counts[i]);
        out.sample("wprun_stage_latency_seconds_bucket", stage + ",le=\"+Inf\"", s.latency.count);
        out.sample("wprun_stage_latency_seconds_sum", stage,
                   static_cast<double>(s.latency.sum_ns) / 1e9);
        out.sample("wprun_stage_latency_seconds_count", stage, s.latency.count);
    }
}

}  // namespace

std::string escape_label_value(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

const std::vector<double>& latency_bounds_seconds() {
    static const std::vector<double> bounds{1e-6, 1e-5,   1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3,
                                            1e-2, 2.5e-2, 5e-2, 0.1,  0.25, 0.5,    1,
                                            2.5,  5,      10,   30,   60};
    return bounds;
}

std::vector<uint64_t> cumulative_latency_counts(const engine::latency_summary& summary) {
    const std::vector<double>& bounds = latency_bounds_seconds();
    std::vector<int64_t> bounds_ns;
    for (double s : bounds) bounds_ns.push_back(std::llround(s * 1e9));
    std::vector<uint64_t> out(bounds.size(), 0);
    for (size_t b = 0; b < summary.counts.size(); ++b) {
        if (summary.counts[b] == 0) continue;
        int64_t upper = engine::latency_histogram::upper_bound_of(b);
        for (size_t i = 0; i < bounds.size(); ++i)
            if (upper <= bounds_ns[i]) out[i] += summary.counts[b];
    }
    return out;
}

std::string prometheus_text(const metrics_snapshot& m) {
    exposition out;
    run_families(out, m);
    ledger_families(out, m.report);
    stage_count_families(out, m.report);
    stage_gauge_families(out, m.report);
    stage_policy_families(out, m.report);
    latency_family(out, m.report);
    return out.take();
}

}  // namespace wprun::cli
