#include "config/node.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <unordered_map>

#include "config/env.h"

namespace wprun::config {
namespace {

/// The null literal that `rest` starts with ("null", "~", ...), or "" when there is none (an
/// empty value's mark points past it, at whatever follows).
std::string_view null_literal_at(std::string_view rest) {
    for (std::string_view literal : {"null", "Null", "NULL", "~"}) {
        if (!rest.starts_with(literal)) continue;
        std::string_view after = rest.substr(literal.size());
        if (after.empty() ||
            std::string_view(" \t\r\n,]}#").find(after[0]) != std::string_view::npos)
            return literal;
    }
    return {};
}

/// Copies a yaml-cpp tree into `node`s, counting every node visited: aliases are shared in
/// yaml-cpp but expanded here, so the count is what stops exponential expansion.
class tree_copier {
public:
    tree_copier(std::string_view text,
                const std::string& file,
                diagnostics& diags,
                const parse_limits& limits)
        : text_(text), file_(file), diags_(diags), limits_(limits) {}

    /// False once a problem has been reported.
    bool copy(const YAML::Node& from, node& to, size_t depth) {
        to.where = at(from.Mark(), to.key_where.file.empty() ? to.where : to.key_where);
        if (!within_limits(to.where, depth)) return false;
        switch (from.Type()) {
            case YAML::NodeType::Scalar:
                return copy_scalar(from, to);
            case YAML::NodeType::Sequence:
                return copy_sequence(from, to, depth);
            case YAML::NodeType::Map:
                return copy_map(from, to, depth);
            default:
                return copy_null(from, to);
        }
    }

private:
    /// yaml-cpp marks are 0-based; a value without a mark is placed at its key or its list.
    location at(const YAML::Mark& mark, const location& fallback) const {
        if (mark.is_null()) return fallback.file.empty() ? location{file_, 1, 1} : fallback;
        return {file_, mark.line + 1, mark.column + 1};
    }

    bool within_limits(const location& where, size_t depth) {
        if (++visited_ > limits_.max_nodes) {
            diags_.error(where, "the document expands to more than " +
                                    std::to_string(limits_.max_nodes) +
                                    " values (aliases '*name' nested too deeply?)");
            return false;
        }
        if (depth > limits_.max_depth) {
            diags_.error(where, "values are nested more than " + std::to_string(limits_.max_depth) +
                                    " levels deep");
            return false;
        }
        return true;
    }

    bool copy_scalar(const YAML::Node& from, node& to) {
        to.kind = node_kind::scalar;
        env_result expanded = expand_env(from.Scalar());
        if (expanded.error) {
            diags_.error(to.where, *expanded.error);
            return false;
        }
        to.text = std::move(expanded.text);
        return true;
    }

    /// yaml-cpp turns a written `null` or `~` into the same null node as an empty value, but
    /// `sink: {type: null}` means the sink named "null": a written null is kept as its text.
    /// An empty value's mark points at whatever follows it, so it is placed at its key (or,
    /// in a list, at the list). yaml-cpp also turns a written `null` or `~` into a null node,
    /// but `sink: {type: null}` means the sink named "null": a written null keeps its text.
    bool copy_null(const YAML::Node& from, node& to) {
        std::string_view literal = written_null(from.Mark());
        if (literal.empty()) {
            if (!to.key_where.file.empty()) to.where = to.key_where;
            return true;
        }
        to.kind = node_kind::scalar;
        to.text = literal;
        return true;
    }

    std::string_view written_null(const YAML::Mark& mark) const {
        if (mark.is_null() || mark.pos < 0) return {};
        return null_literal_at(text_.substr(std::min(text_.size(), size_t(mark.pos))));
    }

    bool copy_sequence(const YAML::Node& from, node& to, size_t depth) {
        to.kind = node_kind::sequence;
        for (const auto& item : from) {
            to.children.emplace_back().where = to.where;
            if (!copy(item, to.children.back(), depth + 1)) return false;
        }
        return true;
    }

    bool copy_map(const YAML::Node& from, node& to, size_t depth) {
        to.kind = node_kind::map;
        std::unordered_map<std::string, location> seen;
        for (const auto& entry : from) {
            node child;
            if (!copy_key(entry.first, child) || !unique_key(child, seen)) return false;
            if (!copy(entry.second, child, depth + 1)) return false;
            to.children.push_back(std::move(child));
        }
        return true;
    }

    /// yaml-cpp keeps both entries of a repeated key; the second would silently win elsewhere.
    bool unique_key(const node& child, std::unordered_map<std::string, location>& seen) {
        auto [it, inserted] = seen.emplace(child.key, child.key_where);
        if (inserted) return true;
        diags_.error(child.key_where,
                     "duplicate key '" + child.key + "' (first at " + it->second.str() + ")");
        return false;
    }

    /// Keys must be scalars: every key wprun knows is a word.
    bool copy_key(const YAML::Node& key, node& child) {
        child.key_where = at(key.Mark(), location{file_, 1, 1});
        if (key.IsNull()) {
            child.key = written_null(key.Mark());  // `null: x` or `~: x`; "" for `: x`
            return true;
        }
        if (!key.IsScalar()) {
            diags_.error(child.key_where, "a key must be a single word, not a " +
                                              std::string(key.IsMap() ? "map" : "list"));
            return false;
        }
        child.key = key.Scalar();
        return true;
    }

    std::string_view text_;
    const std::string& file_;
    diagnostics& diags_;
    const parse_limits& limits_;
    size_t visited_ = 0;
};

}  // namespace

const node* node::find(std::string_view name) const {
    for (const auto& c : children)
        if (c.key == name) return &c;
    return nullptr;
}

node* node::find(std::string_view name) {
    return const_cast<node*>(static_cast<const node&>(*this).find(name));
}

std::optional<node> parse_yaml(std::string_view text,
                               const std::string& file_label,
                               diagnostics& diags,
                               const parse_limits& limits) {
    YAML::Node doc;
    try {
        doc = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        // e.msg is the bare message; what() repeats the 0-based-derived position in prose.
        diags.error({file_label, e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg);
        return std::nullopt;
    }
    node root;
    tree_copier copier(text, file_label, diags, limits);
    if (!copier.copy(doc, root, 0)) return std::nullopt;
    return root;
}

std::string_view kind_name(node_kind kind) {
    switch (kind) {
        case node_kind::null:
            return "an empty value";
        case node_kind::scalar:
            return "a single value";
        case node_kind::sequence:
            return "a list";
        case node_kind::map:
            return "a map";
    }
    return "a value";
}

}  // namespace wprun::config
