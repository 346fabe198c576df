#include "cli/report_json.h"

#include <fmt/format.h>

#include <ctime>

#include "cli/report.h"

namespace wprun::cli {
namespace {

using json = nlohmann::ordered_json;

json ledger_json(const engine::ledger& l) {
    return {{"read", l.read},          {"spawned", l.spawned}, {"written", l.written},
            {"filtered", l.filtered},  {"failed", l.failed},   {"cancelled", l.cancelled},
            {"balanced", l.balanced()}};
}

json counts_json(const engine::stage_counts& c) {
    return {{"in", c.in},
            {"out", c.out},
            {"filtered", c.filtered},
            {"failed", c.failed},
            {"spawned", c.spawned},
            {"cancelled", c.cancelled},
            {"retried", c.retried},
            {"timed_out", c.timed_out}};
}

json latency_json(const engine::latency_summary& l) {
    json buckets = json::array();
    for (const auto& [le, n] : l.buckets()) buckets.push_back({{"le_ns", le}, {"count", n}});
    return {{"count", l.count},
            {"p50_ns", l.percentile(0.50)},
            {"p90_ns", l.percentile(0.90)},
            {"p95_ns", l.percentile(0.95)},
            {"p99_ns", l.percentile(0.99)},
            {"max_ns", l.max_ns},
            {"buckets", std::move(buckets)}};
}

json scaling_json(const engine::stage_report& s) {
    json events = json::array();
    for (const auto& e : s.scaling)
        events.push_back(
            {{"at_seconds", e.at_seconds}, {"from", e.from}, {"to", e.to}, {"reason", e.reason}});
    return events;
}

json breaker_json(const engine::stage_report& s) {
    json transitions = json::array();
    for (const auto& t : s.breaker)
        transitions.push_back({{"at_seconds", t.at_seconds}, {"from", t.from}, {"to", t.to}});
    return {{"transitions", std::move(transitions)}, {"rejected", s.breaker_rejected}};
}

json failures_json(const run_record& r) {
    json first = json::array();
    for (const failure_row& f : r.failures)
        first.push_back(
            {{"seq", f.seq}, {"stage", f.stage}, {"attempt", f.attempt}, {"message", f.message}});
    return {{"seen", r.failures_seen}, {"first", std::move(first)}};
}

json point_json(const timeline_point& p) {
    json stages = json::array();
    for (const stage_sample& s : p.stages)
        stages.push_back({{"in", s.in},
                          {"out", s.out},
                          {"failed", s.failed},
                          {"queue_depth", s.queue_depth},
                          {"workers", s.workers}});
    return {{"at_seconds", p.at_seconds},
            {"read", p.read},
            {"written", p.written},
            {"stages", std::move(stages)}};
}

json timeline_json(const run_record& r) {
    json points = json::array();
    for (const timeline_point& p : r.timeline) points.push_back(point_json(p));
    return {{"interval_seconds", r.timeline_interval}, {"points", std::move(points)}};
}

json figures_json(const std::vector<io::figure>& figures) {
    json out = json::object();
    for (const auto& [name, value] : figures) {
        if (name.ends_with("_seconds"))
            out[name] = value;
        else
            out[name] = static_cast<uint64_t>(value);
    }
    return out;
}

json shard_json(const engine::run_report& rep) {
    if (rep.shard_count <= 1) return nullptr;
    return {{"index", rep.shard_index},
            {"count", rep.shard_count},
            {"other_shards_skipped", rep.other_shards}};
}

json pipeline_json(const run_record& r) {
    return {{"name", r.name},      {"file", r.file},          {"source", r.source_type},
            {"sink", r.sink_type}, {"errors", r.errors_type}, {"ordered", r.report.ordered}};
}

}  // namespace

std::string iso8601(std::chrono::system_clock::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return fmt::format("{}.{:03}Z", text, ms % 1000);
}

json balance_json(const engine::stage_report& s) {
    engine::worker_spread w = engine::spread_of(s.per_worker_in);
    return {{"strategy", s.balance}, {"min", w.min}, {"max", w.max},      {"mean", w.mean},
            {"stddev", w.stddev},    {"cv", w.cv()}, {"steals", s.steals}};
}

json branches_json(const engine::stage_report& s) {
    json out = json::array();
    for (const auto& b : s.branches)
        out.push_back(
            {{"name", b.name}, {"items", b.items}, {"outputs", b.outputs}, {"errors", b.errors}});
    return out;
}

json stage_json(const engine::stage_report& s, double wall_seconds) {
    json stage = {
        {"name", s.name},
        {"processor", s.processor},
        {"workers", s.workers},
        {"counts", counts_json(s.counts)},
        {"busy_percent", busy_percent(s, wall_seconds)},
        {"latency", latency_json(s.latency)},
        {"queue", {{"capacity", s.queue_capacity}, {"high_water", s.queue_high_water}}},
        {"per_worker_in", s.per_worker_in},
        {"balance", balance_json(s)},
        {"scaling", scaling_json(s)},
        {"concurrency", s.concurrency ? json{{"limit", s.concurrency->limit},
                                             {"min", s.concurrency->min},
                                             {"max", s.concurrency->max}}
                                      : json(nullptr)},
        {"stuck_workers", s.stuck_workers},
        {"stuck_at_exit", s.stuck_at_exit},
        {"breaker", breaker_json(s)},
        {"limiter", {{"waits", s.limiter_waits}, {"waited_seconds", s.limiter_waited_seconds}}}};
    if (!s.branches.empty()) {  // fan-out stages only
        stage["branches"] = branches_json(s);
        stage["unrouted"] = s.unrouted;
    }
    return stage;
}

json report_json(const run_record& r) {
    const engine::run_report& rep = r.report;
    json stages = json::array();
    for (const auto& s : rep.stages) stages.push_back(stage_json(s, rep.wall_seconds));
    return {{"schema", report_schema},
            {"pipeline", pipeline_json(r)},
            {"started", iso8601(r.started)},
            {"finished", iso8601(r.finished)},
            {"wall_seconds", rep.wall_seconds},
            {"stopped", stop_name(rep.stopped)},
            {"problems", rep.problems},
            {"total", rep.total ? json(*rep.total) : json(nullptr)},
            {"ledger", ledger_json(rep.totals)},
            {"skipped", rep.skipped},
            {"shard", shard_json(rep)},
            {"source_figures", figures_json(r.source_figures)},
            {"sink_figures", figures_json(r.sink_figures)},
            {"stages", std::move(stages)},
            {"failures", failures_json(r)},
            {"timeline", timeline_json(r)}};
}

}  // namespace wprun::cli
