#include "config/overrides.h"

#include "config/suggest.h"

namespace wprun::config {
namespace {

const location set_location{"--set", 0, 0};

/// One parsed `--set`: the text as given (for messages), the path and the value.
struct setting {
    std::string text;
    std::vector<std::string> path;
    node value;
};

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    size_t start = 0;
    for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', start)) {
        segments.emplace_back(path.substr(start, dot - start));
        start = dot + 1;
    }
    segments.emplace_back(path.substr(start));
    return segments;
}

bool has_empty_segment(const std::vector<std::string>& path) {
    for (const auto& s : path)
        if (s.empty()) return true;
    return false;
}

/// Everything an override's value may be is one YAML scalar; the file's parser reads it so
/// that quoting and `${VAR}` behave as in the file. A one-line value that is not YAML at all
/// (`*.txt`: `*` starts an alias; `[a`) is taken as plain text, so that a glob or a regex
/// needs the shell's quoting only.
std::optional<node> parse_value(std::string_view text, std::string& error) {
    diagnostics scratch;
    auto value = parse_yaml(text, "--set", scratch);
    if (!value && text.find('\n') == std::string_view::npos) {
        value = node{};
        value->kind = node_kind::scalar;
        value->text = std::string(text);
    }
    if (!value) {
        error = scratch.items().empty() ? "unreadable value" : scratch.items().front().message;
        return std::nullopt;
    }
    if (value->kind != node_kind::scalar && value->kind != node_kind::null) {
        error = "the value must be a single value, not " + std::string(kind_name(value->kind));
        return std::nullopt;
    }
    value->where = set_location;
    return value;
}

std::optional<setting> parse_setting(const std::string& text, diagnostics& diags) {
    size_t eq = text.find('=');
    std::string error = "expected PATH=VALUE, e.g. stages.hash.workers=8";
    std::optional<node> value;
    if (eq != std::string::npos && !has_empty_segment(split_path(text.substr(0, eq))))
        value = parse_value(std::string_view(text).substr(eq + 1), error);
    if (!value) {
        diags.error({}, "--set " + text + ": " + error);
        return std::nullopt;
    }
    return setting{text, split_path(text.substr(0, eq)), std::move(*value)};
}

std::vector<std::string> stage_names(const node& stages) {
    std::vector<std::string> names;
    for (const auto& stage : stages.children)
        if (const node* name = stage.find("name"); name && name->is_scalar())
            names.push_back(name->text);
    return names;
}

node* find_stage(node& stages, std::string_view name) {
    for (auto& stage : stages.children)
        if (const node* n = stage.find("name"); n && n->is_scalar() && n->text == name)
            return &stage;
    return nullptr;
}

/// A branch's name in `broadcast:`/`route:`: its `name`, or (unnamed) its processor's.
const node* branch_name(const node& branch) {
    const node* n = branch.find("name");
    if (n == nullptr) n = branch.find("processor");
    return n != nullptr && n->is_scalar() ? n : nullptr;
}

bool is_branch_list(const node& n) {
    return n.kind == node_kind::sequence && (n.key == "broadcast" || n.key == "route");
}

node* find_branch(node& branches, std::string_view name, std::vector<std::string>& names) {
    for (auto& branch : branches.children) {
        const node* n = branch_name(branch);
        if (n != nullptr && n->text == name) return &branch;
        if (n != nullptr) names.push_back(n->text);
    }
    return nullptr;
}

node& add_entry(node& map, const std::string& key) {
    node& child = map.children.emplace_back();
    child.key = key;
    child.key_where = child.where = set_location;
    return child;
}

/// Makes `n` a map that can take a key: an empty value becomes one, and a `queue: N`
/// shorthand becomes `{items: N}` so that `queue.bytes=...` keeps the item count.
bool make_map(node& n) {
    if (n.kind == node_kind::null) n.kind = node_kind::map;
    if (n.kind == node_kind::scalar && n.key == "queue") {
        node items = n;
        items.key = "items";
        n = node{node_kind::map, {}, n.where, n.key, n.key_where, {std::move(items)}};
    }
    return n.is_map();
}

/// The child named `segment` of `parent`, created when missing; nullptr after an error.
node* step(node& parent, const std::string& segment, const setting& s, diagnostics& diags) {
    if (parent.kind == node_kind::sequence && parent.key == "stages") {
        if (node* stage = find_stage(parent, segment)) return stage;
        diags.error({}, "--set " + s.text + ": no stage named '" + segment +
                            "' (stages: " + join_names(stage_names(parent)) + ")");
        return nullptr;
    }
    if (is_branch_list(parent)) {
        std::vector<std::string> names;
        if (node* branch = find_branch(parent, segment, names)) return branch;
        diags.error({}, "--set " + s.text + ": no branch named '" + segment + "' in '" +
                            parent.key + "' (branches: " + join_names(names) + ")");
        return nullptr;
    }
    if (!make_map(parent)) {
        diags.error({}, "--set " + s.text + ": '" + parent.key + "' is " +
                            std::string(kind_name(parent.kind)) + ", not a map");
        return nullptr;
    }
    node* child = parent.find(segment);
    return child ? child : &add_entry(parent, segment);
}

void apply(node& root, setting& s, diagnostics& diags) {
    node* target = &root;
    bool names_stage = false;  // the last segment picked a whole stage out of `stages`
    for (const auto& segment : s.path) {
        names_stage = target->kind == node_kind::sequence;
        target = step(*target, segment, s, diags);
        if (!target) return;
    }
    if (names_stage || target->kind == node_kind::sequence) {
        diags.error({},
                    "--set " + s.text + ": set one key inside a stage, e.g. stages.NAME.workers");
        return;
    }
    s.value.key = std::move(target->key);
    s.value.key_where = set_location;
    *target = std::move(s.value);
}

}  // namespace

void apply_overrides(node& root, const std::vector<std::string>& overrides, diagnostics& diags) {
    for (const auto& text : overrides)
        if (auto s = parse_setting(text, diags)) apply(root, *s, diags);
}

}  // namespace wprun::config
