#include "cli/report.h"

#include <fmt/format.h>

#include <algorithm>

namespace wprun::cli {
namespace {

std::string stop_text(engine::stop_reason r) {
    switch (r) {
        case engine::stop_reason::interrupted:
            return "interrupted";
        case engine::stop_reason::cancelled:
            return "cancelled";
        case engine::stop_reason::fatal:
            return "stopped by a fatal error";
        case engine::stop_reason::deadline:
            return "stopped at its deadline";
        case engine::stop_reason::error:
            return "stopped by an error";
        default:
            return "";
    }
}

std::string worker_spread(const engine::stage_report& s) {
    if (s.per_worker_in.empty()) return "-";
    auto [lo, hi] = std::minmax_element(s.per_worker_in.begin(), s.per_worker_in.end());
    return fmt::format("{}..{}", *lo, *hi);
}

void print_stage(std::FILE* out, const engine::stage_report& s, double wall) {
    const engine::stage_counts& c = s.counts;
    double busy = wall > 0 && s.workers > 0
                      ? 100.0 * static_cast<double>(c.busy_ns) / 1e9 / wall / s.workers
                      : 0;
    fmt::print(out,
               "  {:<16} {:<12} {:>4} {:>10} {:>10} {:>9} {:>8} {:>9} {:>6.1f}% {:>7}/{:<7} {}\n",
               s.name, s.processor, s.workers, c.in, c.out, c.filtered, c.failed, c.cancelled, busy,
               s.queue_high_water, s.queue_capacity, worker_spread(s));
}

}  // namespace

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
    fmt::print(out, "  {:<16} {:<12} {:>4} {:>10} {:>10} {:>9} {:>8} {:>9} {:>7} {:>15} {}\n",
               "stage", "processor", "wrk", "in", "out", "filtered", "failed", "cancelled", "busy",
               "queue hw/cap", "per-worker");
    for (const auto& s : r.stages) print_stage(out, s, r.wall_seconds);
    for (const auto& p : r.problems) fmt::print(out, "wprun: error: {}\n", p);
    if (l.failed > 0) fmt::print(out, "wprun: {} item(s) failed: see the error output\n", l.failed);
    if (!l.balanced())
        fmt::print(out,
                   "wprun: INTERNAL ERROR: the ledger does not balance: read {} + spawned {} != "
                   "written {} + filtered {} + failed {} + cancelled {}; please report this bug\n",
                   l.read, l.spawned, l.written, l.filtered, l.failed, l.cancelled);
}

}  // namespace wprun::cli
