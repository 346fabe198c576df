// graph: a pipeline as a picture, for `wprun graph` — Graphviz DOT or a Mermaid flowchart.
//
// Source → each stage → sink, with the error output as a dashed edge from every stage. Each node
// is labelled: the source and sinks with their type and main option (path, dir or count), each
// stage with its name, processor, workers (N, auto, or min..max), queue bounds and one short line
// per configured policy (retry, rate limit, breaker, timeout, batch, priority, error budget); the
// edge into an ordered sink says `ordered`. A fan-out stage (`broadcast:`/`route:`) has one node
// per branch after it (rounded, with the branch's rule): the flow goes through every branch to
// the next node. Labels are escaped for the format chosen. Only reads
// the spec: nothing is loaded or run here.
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/spec.h"

namespace wprun::cli {

enum class graph_format { dot, mermaid };

/// "dot" or "mermaid"; nullopt for anything else.
std::optional<graph_format> parse_graph_format(std::string_view name);

/// A stage's label, one line each: name, processor, workers, queue, then one line per policy.
std::vector<std::string> stage_label(const engine::stage_spec& stage);

/// A fan-out branch's label: its name, its processor (when the name differs), and its route
/// rule ("when /regex/", "when key /regex/") or "default".
std::vector<std::string> branch_label(const engine::branch_spec& branch);

/// A source's or sink's label: "<role>: <type>", then its main option ("path out.txt").
std::vector<std::string> io_label(std::string_view role, const engine::io_spec& io);

/// The whole pipeline as a Graphviz `digraph` (rankdir LR), ending in a newline.
std::string render_dot(const engine::pipeline_spec& spec);

/// The whole pipeline as a Mermaid `flowchart LR`, ending in a newline.
std::string render_mermaid(const engine::pipeline_spec& spec);

/// `render_dot` or `render_mermaid`.
std::string render_graph(const engine::pipeline_spec& spec, graph_format format);

/// Text inside a DOT double-quoted string: `"` and `\` escaped, each line break as `\n`.
std::string dot_escape(const std::vector<std::string>& lines);

/// Text inside a Mermaid `"..."` label: `"`, `<`, `>`, `&` and `#` as entity codes, line breaks as
/// `<br/>`.
std::string mermaid_escape(const std::vector<std::string>& lines);

}  // namespace wprun::cli
