// node: a YAML document as a small tree in which every key and value knows its file:line:column.
//
// `parse_yaml` is the only place that touches yaml-cpp: it reads the text, reports syntax
// errors with 1-based locations, expands `${VAR}` in scalar values, expands aliases under a
// node budget (so an "alias bomb" is refused instead of exhausting memory) and rejects duplicate
// keys. The loader validates the resulting tree; `--set` overrides edit it first.
// Plain data, not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/error.h"

namespace wprun::config {

enum class node_kind { null, scalar, sequence, map };

/// A YAML value. Map entries are the children, each carrying its key.
struct node {
    node_kind kind = node_kind::null;
    std::string text;            ///< a scalar's value (env variables expanded)
    location where;              ///< of the value (of the key for an empty value)
    std::string key;             ///< set when this node is a map's value
    location key_where;          ///< of `key`
    std::vector<node> children;  ///< sequence items or map entries, in file order

    bool is_map() const { return kind == node_kind::map; }
    bool is_scalar() const { return kind == node_kind::scalar; }
    const node* find(std::string_view name) const;
    node* find(std::string_view name);
};

/// Limits that keep hostile input from exhausting the host.
struct parse_limits {
    /// Nodes visited while copying, aliases expanded. A real pipeline has a few hundred; each
    /// copied node costs ~200 bytes, so this bounds memory to a few tens of MiB.
    size_t max_nodes = 100'000;
    /// Nesting depth; the copy recurses, so this bounds the stack.
    size_t max_depth = 64;
};

/// The document's root, or nullopt after reporting the problem to `diags`. An empty document
/// is a null node.
std::optional<node> parse_yaml(std::string_view text,
                               const std::string& file_label,
                               diagnostics& diags,
                               const parse_limits& limits = {});

/// "a single value", "a map", "a list" or "an empty value", for messages.
std::string_view kind_name(node_kind kind);

}  // namespace wprun::config
