#include "cli/report_html.h"

#include <fmt/format.h>

#include <cctype>

#include "cli/report.h"
#include "cli/report_json.h"
#include "cli/svg_chart.h"

namespace wprun::cli {
namespace {

using points = std::vector<std::pair<double, double>>;

constexpr const char* style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px}h2{font-size:17px;margin-top:28px}h3{font-size:15px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td.text{text-align:left}.bad{color:#b00}
.charts{display:flex;flex-wrap:wrap;gap:12px}.scroll{overflow-x:auto}
svg .axis{stroke:#555}svg .series{fill:none;stroke:#2563eb;stroke-width:1.5}
svg .bar{fill:#2563eb}svg text{font:11px sans-serif;fill:#333}svg .title{font-weight:bold}
svg .box{fill:#eef4ff;stroke:#2563eb}svg .edge{stroke:#555;fill:none}
svg .fail{stroke:#b00;stroke-dasharray:4 3;fill:none}
)";

constexpr double box_w = 180, box_h = 70, gap = 40;

std::string graph_box(
    double x, double y, const std::string& head, const std::string& l1, const std::string& l2) {
    return fmt::format(
        "<rect class=\"box\" x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" rx=\"6\"/>"
        "<text class=\"title\" x=\"{4}\" y=\"{5}\">{6}</text>"
        "<text x=\"{4}\" y=\"{7}\">{8}</text><text x=\"{4}\" y=\"{9}\">{10}</text>",
        x, y, box_w, box_h, x + 8, y + 18, html_escape(head), y + 38, html_escape(l1), y + 56,
        html_escape(l2));
}

std::string stage_box(double x, const engine::stage_report& s) {
    const engine::stage_counts& c = s.counts;
    return graph_box(x, 10, s.name, fmt::format("{} ×{}", s.processor, s.workers),
                     fmt::format("in {} out {} failed {}", c.in, c.out, c.failed));
}

std::string graph_svg(const run_record& r) {
    const engine::ledger& l = r.report.totals;
    size_t boxes = r.report.stages.size() + 2;
    double w = static_cast<double>(boxes) * (box_w + gap);
    std::string s = fmt::format(
        "<svg id=\"graph\" viewBox=\"0 0 {0} 190\" width=\"{0}\" height=\"190\" role=\"img\">", w);
    s += graph_box(0, 10, "source", r.source_type, fmt::format("read {}", l.read));
    for (size_t i = 0; i < r.report.stages.size(); ++i)
        s += stage_box(static_cast<double>(i + 1) * (box_w + gap), r.report.stages[i]);
    double sink_x = static_cast<double>(boxes - 1) * (box_w + gap);
    s += graph_box(sink_x, 10, "sink", r.sink_type, fmt::format("written {}", l.written));
    for (size_t i = 0; i + 1 < boxes; ++i) {
        double x = static_cast<double>(i) * (box_w + gap) + box_w;
        s += fmt::format("<path class=\"edge\" d=\"M{} 45 h{} l-6 -4 m6 4 l-6 4\"/>", x, gap);
    }
    double err_x = sink_x / 2;
    s += graph_box(err_x, 112, "errors", r.errors_type, fmt::format("failed {}", l.failed));
    s += fmt::format("<path class=\"fail\" d=\"M{0} 80 V112\"/>", err_x + box_w / 2);
    return s + "</svg>";
}

std::string summary(const run_record& r) {
    const engine::run_report& rep = r.report;
    std::string s = "<table id=\"summary\">";
    auto row = [&](const char* k, const std::string& v) {
        s += fmt::format("<tr><th>{}</th><td class=\"text\">{}</td></tr>", k, html_escape(v));
    };
    row("pipeline file", r.file);
    row("started", iso8601(r.started));
    row("finished", iso8601(r.finished));
    row("wall time", fmt::format("{:.3f} s", rep.wall_seconds));
    row("stopped", stop_name(rep.stopped));
    row("ledger", ledger_line(rep.totals) + (rep.totals.balanced() ? " (balanced)" : ""));
    if (rep.skipped > 0)
        row("resumed",
            fmt::format("{} item(s) committed by an earlier run were skipped", rep.skipped));
    for (const auto& p : rep.problems) row("problem", p);
    return s + "</table>";
}

std::string stage_row(const engine::stage_report& s, double wall) {
    const engine::stage_counts& c = s.counts;
    const engine::latency_summary& l = s.latency;
    return fmt::format(
        "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0f}%</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td></tr>",
        html_escape(s.name), html_escape(s.processor), s.workers, c.in, c.out, c.filtered, c.failed,
        c.retried, c.cancelled, busy_percent(s, wall), duration_text(l.percentile(0.5)),
        duration_text(l.percentile(0.95)), duration_text(l.percentile(0.99)),
        duration_text(l.max_ns), s.queue_high_water, s.queue_capacity);
}

std::string stage_table(const engine::run_report& rep) {
    std::string s =
        "<table id=\"stages\"><tr><th>stage</th><th>processor</th><th>workers</th><th>in</th>"
        "<th>out</th><th>filtered</th><th>failed</th><th>retried</th><th>cancelled</th>"
        "<th>busy</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>queue hw/cap</th></tr>";
    for (const auto& st : rep.stages) s += stage_row(st, rep.wall_seconds);
    return s + "</table>";
}

points throughput(const std::vector<timeline_point>& tl, size_t stage) {
    points out;
    for (size_t i = 1; i < tl.size(); ++i) {
        double dt = tl[i].at_seconds - tl[i - 1].at_seconds;
        if (dt <= 0) continue;
        double items = static_cast<double>(tl[i].stages[stage].out - tl[i - 1].stages[stage].out);
        out.emplace_back(tl[i].at_seconds, items / dt);
    }
    return out;
}

template <class Value>
points over_time(const std::vector<timeline_point>& tl, size_t stage, Value value) {
    points out;
    for (const timeline_point& p : tl)
        out.emplace_back(p.at_seconds, static_cast<double>(value(p.stages[stage])));
    return out;
}

std::string latency_chart(const std::string& id, const engine::stage_report& s) {
    std::vector<std::pair<std::string, double>> bars;
    for (const auto& [le, n] : s.latency.buckets())
        bars.emplace_back("≤" + duration_text(le), static_cast<double>(n));
    return bar_chart({"chart-latency-" + id, "latency per call", "upper bound", "calls"}, bars);
}

std::string stage_charts(const run_record& r, size_t i) {
    const engine::stage_report& s = r.report.stages[i];
    const auto& tl = r.timeline;
    std::string id = html_id(s.name);
    std::string out = fmt::format("<h3>{}</h3>", html_escape(s.name));
    if (s.balance != "shared")  // as the text report: only for worker lanes
        out += fmt::format("<p id=\"balance-{}\" class=\"balance\">{}</p>", id,
                           html_escape(balance_text(s)));
    out += "<div class=\"charts\">";
    out += line_chart({"chart-throughput-" + id, "throughput", "seconds", "items out / s"},
                      throughput(tl, i));
    out += latency_chart(id, s);
    const char* workers = s.concurrency ? "concurrency limit" : "workers";  // adaptive: the limit
    out += line_chart({"chart-workers-" + id, workers, "seconds", workers},
                      over_time(tl, i, [](const stage_sample& x) { return x.workers; }));
    out += line_chart({"chart-queue-" + id, "input queue depth", "seconds", "items queued"},
                      over_time(tl, i, [](const stage_sample& x) { return x.queue_depth; }));
    return out + "</div>";
}

std::string errors_table(const run_record& r) {
    std::string s = fmt::format("<p>{} failure(s){}.</p>", r.failures_seen,
                                r.failures_seen > r.failures.size()
                                    ? fmt::format(", the first {} shown", r.failures.size())
                                    : "");
    s += "<table id=\"errors\"><tr><th>seq</th><th>stage</th><th>attempt</th><th>message</th></tr>";
    for (const failure_row& f : r.failures)
        s += fmt::format(
            "<tr class=\"error\"><td>{}</td><td class=\"text\">{}</td><td>{}</td>"
            "<td class=\"text\">{}</td></tr>",
            f.seq, html_escape(f.stage), f.attempt, html_escape(f.message));
    return s + "</table>";
}

std::string head(const run_record& r) {
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
        "<meta name=\"generator\" content=\"wprun ({})\"/><title>wprun report: {}</title>"
        "<style>{}</style></head><body>",
        report_schema, html_escape(r.name), style);
}

}  // namespace

std::string html_id(std::string_view name) {
    std::string id;
    for (char c : name) {
        bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        id += keep ? c : '_';
    }
    return id;
}

std::string report_html(const run_record& r) {
    std::string page = head(r);
    page += fmt::format("<h1>wprun report: {}</h1>", html_escape(r.name)) + summary(r);
    page += "<h2>Pipeline</h2><div class=\"scroll\">" + graph_svg(r) + "</div>";
    page += "<h2>Stages</h2><div class=\"scroll\">" + stage_table(r.report) + "</div>";
    for (size_t i = 0; i < r.report.stages.size(); ++i) page += stage_charts(r, i);
    page += "<h2>Errors</h2>" + errors_table(r);
    return page + "</body></html>\n";
}

}  // namespace wprun::cli
