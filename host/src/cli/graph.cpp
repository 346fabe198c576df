#include "cli/graph.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/units.h"

namespace wprun::cli {
namespace {

using config::format_duration;
using config::format_size;

std::string workers_line(const engine::stage_spec& s) {
    if (s.adaptive) return fmt::format("workers adaptive {}..{}", s.adaptive->min, s.adaptive->max);
    if (s.min_workers > 0) {
        std::string max = s.max_workers ? std::to_string(s.max_workers) : "auto";
        return fmt::format("workers {}..{}", s.min_workers, max);
    }
    return s.workers ? fmt::format("workers {}", s.workers) : "workers auto";
}

std::string retry_line(const engine::retry_spec& r) {
    return fmt::format("retry {}×, backoff {}..{}", r.attempts, format_duration(r.initial_ns),
                       format_duration(r.max_ns));
}

std::string rate_line(const engine::rate_limit_spec& r) {
    if (!r.shared.empty()) return "rate: limiter " + r.shared;
    return fmt::format("rate {}/s burst {}", r.rate_per_s, r.burst);
}

std::string breaker_line(const engine::breaker_spec& b) {
    std::string trip = b.ratio > 0 ? fmt::format("{}% of {}", b.ratio * 100, b.window)
                                   : fmt::format("{} fails", b.failures);
    return fmt::format("breaker {} / {}{}", trip, format_duration(b.open_for_ns),
                       b.when_open_wait ? ", wait" : "");
}

std::string batch_line(const engine::batch_spec& b) {
    std::string line = fmt::format("batch {}", b.items);
    if (b.bytes) line += " / " + format_size(b.bytes);
    if (b.wait_ns) line += " / " + format_duration(b.wait_ns);
    return line;
}

std::string priority_line(const engine::priority_spec& p) {
    std::string line = fmt::format("priority {} {}", p.levels, p.weighted ? "weighted" : "strict");
    if (p.weighted && !p.weights.empty())
        line += " " + fmt::format("{}", fmt::join(p.weights, ":"));
    if (p.aging_ns) line += ", aging " + format_duration(p.aging_ns);
    return line;
}

void add_error_lines(const engine::error_policy_spec& e, std::vector<std::string>& lines) {
    if (e.stop) lines.push_back("on_error stop");
    if (e.max_count) lines.push_back(fmt::format("max_errors {}", e.max_count));
    if (e.max_percent > 0) lines.push_back(fmt::format("max_errors {}%", e.max_percent));
}

/// Whether the sink keeps the source's order (its `ordered` option).
bool ordered(const engine::io_spec& sink) { return sink.opts.get_bool("ordered"); }

std::string stage_id(size_t i) { return fmt::format("stage_{}", i); }

std::string branch_id(size_t stage, size_t branch) {
    return fmt::format("stage_{}_b{}", stage, branch);
}

/// One flow edge; `ordered` marks the edge into an ordered sink.
struct edge {
    std::string from, to;
    bool ordered = false;
};

/// Source → stages → sink; a fan-out stage's edge to the next node passes through each branch.
std::vector<edge> flow_edges(const engine::pipeline_spec& spec) {
    std::vector<std::string> ids{"source"};
    for (size_t i = 0; i < spec.stages.size(); ++i) ids.push_back(stage_id(i));
    ids.push_back("sink");
    std::vector<edge> edges;
    for (size_t i = 0; i + 1 < ids.size(); ++i) {
        bool into_sink = i + 2 == ids.size() && ordered(spec.sink);
        size_t branches = i == 0 ? 0 : spec.stages[i - 1].branches.size();
        if (branches == 0) edges.push_back({ids[i], ids[i + 1], into_sink});
        for (size_t b = 0; b < branches; ++b) {
            edges.push_back({ids[i], branch_id(i - 1, b), false});
            edges.push_back({branch_id(i - 1, b), ids[i + 1], into_sink});
        }
    }
    return edges;
}

void dot_node(std::string& out,
              std::string_view id,
              const std::vector<std::string>& label,
              std::string_view attrs) {
    out += fmt::format("    {} [label=\"{}\"{}];\n", id, dot_escape(label), attrs);
}

void mermaid_node(std::string& out,
                  std::string_view id,
                  const std::vector<std::string>& label,
                  bool rounded) {
    out += fmt::format("    {}{}\"{}\"{}\n", id, rounded ? "([" : "[", mermaid_escape(label),
                       rounded ? "])" : "]");
}

}  // namespace

std::optional<graph_format> parse_graph_format(std::string_view name) {
    if (name == "dot") return graph_format::dot;
    if (name == "mermaid") return graph_format::mermaid;
    return std::nullopt;
}

std::vector<std::string> stage_label(const engine::stage_spec& s) {
    std::vector<std::string> lines{
        s.name, "processor " + s.processor, workers_line(s),
        fmt::format("queue {} items / {}", s.queue_items, format_size(s.queue_bytes))};
    if (s.retry) lines.push_back(retry_line(*s.retry));
    if (s.rate_limit) lines.push_back(rate_line(*s.rate_limit));
    if (s.circuit_breaker) lines.push_back(breaker_line(*s.circuit_breaker));
    if (s.timeout_ns) lines.push_back("timeout " + format_duration(s.timeout_ns));
    if (s.batch) lines.push_back(batch_line(*s.batch));
    if (s.priority) lines.push_back(priority_line(*s.priority));
    if (s.balance != engine::balance_strategy::shared)
        lines.push_back("balance " + std::string(engine::balance_name(s.balance)));
    if (s.isolation == engine::isolation_mode::process) lines.push_back("isolation process");
    add_error_lines(s.on_error, lines);
    return lines;
}

std::vector<std::string> branch_label(const engine::branch_spec& b) {
    std::vector<std::string> lines{b.name};
    if (b.processor != b.name) lines.push_back("processor " + b.processor);
    if (b.is_default) lines.push_back("default");
    if (!b.when_regex.empty())
        lines.push_back(fmt::format("when {}/{}/", b.when_key ? "key " : "", b.when_regex));
    return lines;
}

std::vector<std::string> io_label(std::string_view role, const engine::io_spec& io) {
    std::vector<std::string> lines{fmt::format("{}: {}", role, io.type)};
    for (std::string_view key : {"path", "dir", "count"})
        if (const engine::option* o = io.opts.find(key)) {
            lines.push_back(fmt::format("{} {}", key, o->value));
            break;
        }
    return lines;
}

std::string dot_escape(const std::vector<std::string>& lines) {
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (i) out += "\\n";
        for (char c : lines[i]) {
            if (c == '"' || c == '\\') out += '\\';
            if (c == '\n') {
                out += "\\n";
                continue;
            }
            out += c;
        }
    }
    return out;
}

std::string mermaid_escape(const std::vector<std::string>& lines) {
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (i) out += "<br/>";
        for (char c : lines[i]) {
            switch (c) {
                case '"':
                    out += "#quot;";
                    break;
                case '<':
                    out += "#lt;";
                    break;
                case '>':
                    out += "#gt;";
                    break;
                case '&':
                    out += "#amp;";
                    break;
                case '#':
                    out += "#35;";
                    break;
                case '\n':
                    out += "<br/>";
                    break;
                default:
                    out += c;
            }
        }
    }
    return out;
}

std::string render_dot(const engine::pipeline_spec& spec) {
    std::string out = fmt::format("digraph \"{}\" {{\n", dot_escape({spec.name}));
    out += "    rankdir=LR;\n    node [shape=box];\n";
    dot_node(out, "source", io_label("source", spec.source), ", shape=oval");
    for (size_t i = 0; i < spec.stages.size(); ++i) {
        dot_node(out, stage_id(i), stage_label(spec.stages[i]), "");
        for (size_t b = 0; b < spec.stages[i].branches.size(); ++b)
            dot_node(out, branch_id(i, b), branch_label(spec.stages[i].branches[b]),
                     ", style=rounded");
    }
    dot_node(out, "sink", io_label("sink", spec.sink), ", shape=oval");
    dot_node(out, "errors", io_label("errors", spec.errors), ", shape=oval, style=dashed");
    for (const edge& e : flow_edges(spec))
        out +=
            fmt::format("    {} -> {}{};\n", e.from, e.to, e.ordered ? " [label=\"ordered\"]" : "");
    for (size_t i = 0; i < spec.stages.size(); ++i)
        out += fmt::format("    {} -> errors [style=dashed];\n", stage_id(i));
    return out + "}\n";
}

std::string render_mermaid(const engine::pipeline_spec& spec) {
    std::string out = "flowchart LR\n";
    mermaid_node(out, "source", io_label("source", spec.source), true);
    for (size_t i = 0; i < spec.stages.size(); ++i) {
        mermaid_node(out, stage_id(i), stage_label(spec.stages[i]), false);
        for (size_t b = 0; b < spec.stages[i].branches.size(); ++b)
            mermaid_node(out, branch_id(i, b), branch_label(spec.stages[i].branches[b]), true);
    }
    mermaid_node(out, "sink", io_label("sink", spec.sink), true);
    mermaid_node(out, "errors", io_label("errors", spec.errors), true);
    for (const edge& e : flow_edges(spec))
        out += fmt::format("    {} -->{} {}\n", e.from, e.ordered ? "|ordered|" : "", e.to);
    for (size_t i = 0; i < spec.stages.size(); ++i)
        out += fmt::format("    {} -.-> errors\n", stage_id(i));
    return out;
}

std::string render_graph(const engine::pipeline_spec& spec, graph_format format) {
    return format == graph_format::mermaid ? render_mermaid(spec) : render_dot(spec);
}

}  // namespace wprun::cli
