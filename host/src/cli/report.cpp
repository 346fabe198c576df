#include "cli/report.h"

#include <fmt/format.h>

#include <algorithm>

namespace wprun::cli {
namespace {

/// A stop reason's name (JSON, `expect: stopped`) and its words in the report's first line.
struct stop_words {
    const char* name;
    const char* text;
};

stop_words words_for(engine::stop_reason r) {
    switch (r) {
        case engine::stop_reason::interrupted:
            return {"interrupted", "interrupted"};
        case engine::stop_reason::cancelled:
            return {"cancelled", "cancelled"};
        case engine::stop_reason::fatal:
            return {"fatal", "stopped by a fatal error"};
        case engine::stop_reason::deadline:
            return {"deadline", "stopped at its deadline"};
        case engine::stop_reason::error:
            return {"error", "stopped by an error"};
        case engine::stop_reason::error_limit:
            return {"error_limit", "stopped by its error budget"};
        default:
            return {"none", ""};
    }
}

std::string stop_text(engine::stop_reason r) { return words_for(r).text; }

std::string worker_spread(const engine::stage_report& s) {
    if (s.per_worker_in.empty()) return "-";
    auto [lo, hi] = std::minmax_element(s.per_worker_in.begin(), s.per_worker_in.end());
    return fmt::format("{}..{}", *lo, *hi);
}

constexpr const char* row_format =
    "  {:<14} {:<10} {:>4} {:>9} {:>9} {:>8} {:>7} {:>7} {:>9} {:>6} {:>7} {:>7} {:>7} {:>13} {}\n";

void print_header(std::FILE* out) {
    fmt::print(out, row_format, "stage", "processor", "wrk", "in", "out", "filtered", "failed",
               "retried", "cancelled", "busy", "p50", "p99", "max", "queue hw/cap", "per-worker");
}

void print_stage(std::FILE* out, const engine::stage_report& s, double wall) {
    const engine::stage_counts& c = s.counts;
    double busy = busy_percent(s, wall);
    const engine::latency_summary& l = s.latency;
    fmt::print(out, row_format, s.name, s.processor, s.workers, c.in, c.out, c.filtered, c.failed,
               c.retried, c.cancelled, fmt::format("{:.0f}%", busy),
               duration_text(l.percentile(0.5)), duration_text(l.percentile(0.99)),
               duration_text(l.max_ns), fmt::format("{}/{}", s.queue_high_water, s.queue_capacity),
               worker_spread(s));
}

constexpr size_t scale_events_shown = 10;

/// "workers 1 → 2 (0.050s, backlog) → 1 (1.200s, idle) … 3 more", for a dynamic stage.
void print_scaling(std::FILE* out, const engine::stage_report& s) {
    if (s.scaling.empty() && s.concurrency)
        return fmt::print(out, "    {}: adaptive concurrency stayed at {} ({}..{})\n", s.name,
                          s.concurrency->limit, s.concurrency->min, s.concurrency->max);
    if (s.scaling.empty()) return;
    std::string path =
        fmt::format("{} {}", s.concurrency ? "concurrency" : "workers", s.scaling.front().from);
    size_t shown = std::min(s.scaling.size(), scale_events_shown);
    for (size_t i = 0; i < shown; ++i) {
        const engine::scale_event& e = s.scaling[i];
        path += fmt::format(" → {} ({:.3f}s, {})", e.to, e.at_seconds, e.reason);
    }
    if (shown < s.scaling.size()) path += fmt::format(" … {} more", s.scaling.size() - shown);
    if (s.concurrency)
        return fmt::print(out, "    {}: adaptive {}; final limit {} ({}..{}), {} threads\n", s.name,
                          path, s.concurrency->limit, s.concurrency->min, s.concurrency->max,
                          s.max_workers_seen);
    fmt::print(out, "    {}: {}; at most {} at once\n", s.name, path, s.max_workers_seen);
}

/// "prio: by priority level (high to low): 2: 10 items (max wait 1.2ms), 1: ..., 0: ...".
void print_levels(std::FILE* out, const engine::stage_report& s) {
    std::string line;
    for (size_t level = s.per_level_in.size(); level-- > 0;) {
        line += fmt::format("{}{}: {}", line.empty() ? "" : ", ", level, s.per_level_in[level]);
        if (level < s.per_level_max_wait_ns.size())
            line += fmt::format(" (max wait {})", duration_text(s.per_level_max_wait_ns[level]));
    }
    fmt::print(out, "    {}: items by priority level, most urgent first: {}\n", s.name, line);
}

/// `balance:` other than shared: how evenly the workers shared the items, and steals.
void print_balance(std::FILE* out, const engine::stage_report& s) {
    fmt::print(out, "    {}: {}\n", s.name, balance_text(s));
}

/// "fan: branches: upper 4 → 4 out, digest 4 → 4 out (1 error); unrouted 2".
void print_branches(std::FILE* out, const engine::stage_report& s) {
    std::string line;
    for (const engine::branch_counts& b : s.branches) {
        line +=
            fmt::format("{}{} {} → {} out", line.empty() ? "" : ", ", b.name, b.items, b.outputs);
        if (b.errors) line += fmt::format(" ({} error(s))", b.errors);
    }
    if (s.unrouted) line += fmt::format("; unrouted {} (filtered)", s.unrouted);
    fmt::print(out, "    {}: branches: {}\n", s.name, line);
}

/// Policy lines under a stage's row, only for what happened.
void print_policies(std::FILE* out, const engine::stage_report& s) {
    if (!s.branches.empty()) print_branches(out, s);
    print_scaling(out, s);
    if (s.balance != "shared") print_balance(out, s);
    if (s.per_level_in.size() > 1) print_levels(out, s);
    if (s.counts.batches)
        fmt::print(out, "    {}: {} batch(es) of {:.1f} items on average\n", s.name,
                   s.counts.batches,
                   static_cast<double>(s.counts.in) / static_cast<double>(s.counts.batches));
    if (s.counts.timed_out)
        fmt::print(out, "    {}: {} call(s) timed out\n", s.name, s.counts.timed_out);
    if (s.stuck_workers)
        fmt::print(out, "    {}: stuck workers: {} (replaced; a call outlived its timeout)\n",
                   s.name, s.stuck_workers);
    if (s.stuck_at_exit)
        fmt::print(out, "wprun: warning: stage '{}': {} worker thread(s) still stuck at exit\n",
                   s.name, s.stuck_at_exit);
    if (s.limiter_waits)
        fmt::print(out, "    {}: rate limiter made {} call(s) wait, {:.3f}s in all\n", s.name,
                   s.limiter_waits, s.limiter_waited_seconds);
    if (s.breaker.empty() && s.breaker_rejected == 0) return;
    std::string path = "closed";
    for (const auto& t : s.breaker) path += fmt::format(" → {} ({:.3f}s)", t.to, t.at_seconds);
    fmt::print(out, "    {}: circuit breaker {}; {} item(s) rejected while open\n", s.name, path,
               s.breaker_rejected);
}

}  // namespace

std::string stop_name(engine::stop_reason r) { return words_for(r).name; }

double busy_percent(const engine::stage_report& s, double wall) {
    if (wall <= 0 || s.workers == 0) return 0;
    return 100.0 * static_cast<double>(s.counts.busy_ns) / 1e9 / wall / s.workers;
}

std::string duration_text(int64_t ns) {
    if (ns < 10'000) return fmt::format("{}ns", ns);
    if (ns < 10'000'000) return fmt::format("{:.0f}us", static_cast<double>(ns) / 1e3);
    if (ns < 10'000'000'000) return fmt::format("{:.0f}ms", static_cast<double>(ns) / 1e6);
    return fmt::format("{:.1f}s", static_cast<double>(ns) / 1e9);
}

std::string balance_text(const engine::stage_report& s) {
    engine::worker_spread w = engine::spread_of(s.per_worker_in);
    std::string line = fmt::format(
        "balance {}: items per worker min {}, max {}, mean {:.1f}, stddev {:.1f} (cv {:.2f})",
        s.balance, w.min, w.max, w.mean, w.stddev, w.cv());
    if (s.balance == "steal") line += fmt::format("; {} item(s) stolen", s.steals);
    return line;
}

std::string ledger_line(const engine::ledger& l) {
    std::string line = fmt::format("read {}", l.read);
    if (l.spawned) line += fmt::format(" (+{} spawned)", l.spawned);
    return line + fmt::format(", written {}, filtered {}, failed {}, cancelled {}", l.written,
                              l.filtered, l.failed, l.cancelled);
}

void print_report(std::FILE* out, const std::string& name, const engine::run_report& r) {
    const engine::ledger& l = r.totals;
    double rate = r.wall_seconds > 0 ? static_cast<double>(l.read) / r.wall_seconds : 0;
    fmt::print(out, "wprun: {}: {} in {:.3f}s ({:.0f} items/s){}\n", name, ledger_line(l),
               r.wall_seconds, rate,
               r.stopped == engine::stop_reason::none ? "" : " — " + stop_text(r.stopped));
    print_header(out);
    for (const auto& s : r.stages) print_stage(out, s, r.wall_seconds);
    for (const auto& s : r.stages) print_policies(out, s);
    for (const auto& p : r.problems) fmt::print(out, "wprun: error: {}\n", p);
    if (r.skipped > 0)
        fmt::print(out, "wprun: resumed: {} item(s) committed by an earlier run were skipped\n",
                   r.skipped);
    if (r.shard_count > 1)
        fmt::print(out,
                   "wprun: shard {}/{}: {} item(s) of other shards skipped (not counted as read)\n",
                   r.shard_index, r.shard_count, r.other_shards);
    if (l.failed > 0) fmt::print(out, "wprun: {} item(s) failed: see the error output\n", l.failed);
    if (!l.balanced())
        fmt::print(out,
                   "wprun: INTERNAL ERROR: the ledger does not balance: read {} + spawned {} != "
                   "written {} + filtered {} + failed {} + cancelled {}; please report this bug\n",
                   l.read, l.spawned, l.written, l.filtered, l.failed, l.cancelled);
}

}  // namespace wprun::cli
