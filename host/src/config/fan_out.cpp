#include "config/fan_out.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>

#include "config/suggest.h"

namespace wprun::config {
namespace {

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

bool is_branch_name(std::string_view name) {
    auto ok = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    };
    return !name.empty() && std::all_of(name.begin(), name.end(), ok);
}

/// Reads the branches of one fan-out key, reporting each problem where it is.
class branch_reader {
public:
    branch_reader(engine::fan_out_mode mode,
                  std::string context,
                  const std::string& base_dir,
                  diagnostics& diags)
        : mode_(mode), ctx_(std::move(context)), base_dir_(base_dir), diags_(diags) {}

    std::vector<engine::branch_spec> read(const node& list, std::string_view key) {
        std::vector<engine::branch_spec> out;
        if (list.kind != node_kind::sequence || list.children.empty()) {
            error(list.where, ctx_ + ": " + std::string(key) +
                                  " must be a non-empty list of branches, e.g. [{processor: "
                                  "upper}, {processor: hash}], not " +
                                  std::string(kind_name(list.kind)));
            return out;
        }
        if (list.children.size() > max_branches)
            error(list.where, ctx_ + ": " + std::string(key) + " has " +
                                  std::to_string(list.children.size()) + " branches; at most " +
                                  std::to_string(max_branches));
        for (size_t i = 0; i < list.children.size(); ++i)
            if (auto b = read_branch(list.children[i], i)) out.push_back(std::move(*b));
        name_defaults(out);
        return out;
    }

private:
    void error(const location& where, std::string message) {
        diags_.error(where, std::move(message));
    }

    std::optional<std::string> text(const node& n, const std::string& what) {
        if (n.is_scalar()) return n.text;
        error(n.where, what + " must be a single value, not " + std::string(kind_name(n.kind)));
        return std::nullopt;
    }

    std::optional<engine::branch_spec> read_branch(const node& n, size_t index) {
        std::string at = ctx_ + " branch #" + std::to_string(index + 1);
        if (!n.is_map()) {
            error(n.where, at + " must be a map, e.g. {processor: upper}, not " +
                               std::string(kind_name(n.kind)));
            return std::nullopt;
        }
        engine::branch_spec b;
        b.where = b.processor_where = b.when_where = n.where;
        for (const auto& entry : n.children)
            if (std::find(branch_keys().begin(), branch_keys().end(), entry.key) ==
                branch_keys().end())
                error(entry.key_where, unknown_key_message(entry.key, at, branch_keys()));
        if (const node* name = n.find("name")) read_name(*name, at, b);
        if (!b.name.empty()) at = ctx_ + " branch " + in_quotes(b.name);
        read_processor(n, at, b);
        if (const node* p = n.find("plugin")) read_plugin(*p, at, b);
        if (const node* c = n.find("config")) read_config(*c, at, b);
        read_rule(n, at, b);
        return b;
    }

    void read_name(const node& n, const std::string& at, engine::branch_spec& b) {
        auto value = text(n, at + " name");
        if (!value) return;
        if (!is_branch_name(*value))
            return error(n.where, at + ": name " + in_quotes(*value) +
                                      " may only use letters, digits, '_', '.' and '-'");
        auto [first, inserted] = names_.emplace(*value, n.where);
        if (!inserted)
            error(n.where, ctx_ + ": duplicate branch name " + in_quotes(*value) + " (first at " +
                               first->second.str() + ")");
        b.name = *value;
    }

    void read_processor(const node& n, const std::string& at, engine::branch_spec& b) {
        const node* p = n.find("processor");
        if (p == nullptr)
            return error(n.where, at + ": missing required key 'processor' (the processor to "
                                       "run, e.g. 'upper')");
        b.processor_where = p->where;
        auto value = text(*p, at + " processor");
        if (value && value->empty()) error(p->where, at + ": processor must not be empty");
        if (value) b.processor = *value;
    }

    void read_plugin(const node& n, const std::string& at, engine::branch_spec& b) {
        auto value = text(n, at + " plugin");
        if (!value || value->empty()) return;
        std::filesystem::path path(*value);
        if (path.is_relative() && !base_dir_.empty())
            path = std::filesystem::path(base_dir_) / path;
        b.plugin_file = path.lexically_normal().string();
    }

    void read_config(const node& n, const std::string& at, engine::branch_spec& b) {
        if (n.kind == node_kind::null) return;
        if (!n.is_map())
            return error(n.where,
                         at + " config must be a map, not " + std::string(kind_name(n.kind)));
        for (const auto& entry : n.children)
            if (auto value = text(entry, at + " config option " + in_quotes(entry.key)))
                b.config.items.push_back({entry.key, *value, entry.where, entry.key_where});
    }

    // ---- route rules ---------------------------------------------------------------------

    void read_rule(const node& n, const std::string& at, engine::branch_spec& b) {
        const node* when = n.find("when");
        const node* fallback = n.find("default");
        if (mode_ == engine::fan_out_mode::broadcast) {
            for (const node* k : {when, fallback})
                if (k != nullptr)
                    error(k->key_where, at + ": '" + k->key +
                                            "' is only for 'route' (broadcast sends every item to "
                                            "every branch)");
            return;
        }
        if (fallback != nullptr) read_default(*fallback, at, b);
        if (when != nullptr && b.is_default)
            return error(when->where, at + ": a default branch takes the items no rule matches; "
                                           "it has no 'when'");
        if (when != nullptr) return read_when(*when, at, b);
        if (!b.is_default)
            error(n.where, at + ": a route branch needs 'when: {regex: ...}' or 'default: true'");
    }

    void read_default(const node& n, const std::string& at, engine::branch_spec& b) {
        auto value = text(n, at + " default");
        if (!value) return;
        if (*value != "true" && *value != "false")
            return error(n.where, at + ": default must be true or false, got " + in_quotes(*value));
        b.is_default = *value == "true";
        if (!b.is_default) return;
        if (default_where_)
            error(n.where, ctx_ + ": only one branch may be the default (first at " +
                               default_where_->str() + ")");
        else
            default_where_ = n.where;
    }

    void read_when(const node& n, const std::string& at, engine::branch_spec& b) {
        b.when_where = n.where;
        if (n.is_scalar()) return read_regex(n, at, b);  // `when: REGEX`, short for {regex: REGEX}
        if (!n.is_map())
            return error(n.where, at + ": when must be a regex or a map {regex, on}, not " +
                                      std::string(kind_name(n.kind)));
        for (const auto& entry : n.children)
            if (std::find(when_keys().begin(), when_keys().end(), entry.key) == when_keys().end())
                error(entry.key_where, unknown_key_message(entry.key, at + " when", when_keys()));
        if (const node* on = n.find("on")) read_on(*on, at, b);
        if (const node* re = n.find("regex")) return read_regex(*re, at, b);
        error(n.where, at + ": when: missing required key 'regex' (e.g. regex: \"^ERROR\")");
    }

    void read_on(const node& n, const std::string& at, engine::branch_spec& b) {
        auto value = text(n, at + " when.on");
        if (!value) return;
        if (*value != "payload" && *value != "key")
            return error(n.where,
                         at + ": when.on must be payload or key, got " + in_quotes(*value));
        b.when_key = *value == "key";
    }

    void read_regex(const node& n, const std::string& at, engine::branch_spec& b) {
        auto value = text(n, at + " when.regex");
        if (!value) return;
        if (value->empty())
            return error(n.where, at + ": when.regex must not be empty (use 'default: true' for "
                                       "the items no rule matches)");
        try {
            std::regex check(*value, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            return error(n.where, at + ": when.regex " + in_quotes(*value) +
                                      " is not a valid ECMAScript regex: " + e.what());
        }
        b.when_regex = *value;
    }

    /// Branches without a name take their processor's ("hash", then "hash#2" for a repeat).
    void name_defaults(std::vector<engine::branch_spec>& branches) {
        for (auto& b : branches) {
            if (!b.name.empty() || b.processor.empty()) continue;
            std::string name = b.processor;
            for (int k = 2; names_.count(name) != 0; ++k)
                name = b.processor + "#" + std::to_string(k);
            names_.emplace(name, b.where);
            b.name = name;
        }
    }

    engine::fan_out_mode mode_;
    std::string ctx_;
    const std::string& base_dir_;
    diagnostics& diags_;
    std::map<std::string, location> names_;
    std::optional<location> default_where_;
};

/// `processor`, `plugin` and `config` belong to the branches of a fan-out stage.
void refuse_stage_keys(const node& stage_map,
                       std::string_view context,
                       std::string_view key,
                       diagnostics& diags) {
    for (const char* own : {"processor", "plugin", "config"})
        if (const node* n = stage_map.find(own))
            diags.error(n->key_where, std::string(context) + ": '" + own +
                                          "' cannot be used with '" + std::string(key) +
                                          "' (each branch has its own)");
}

}  // namespace

bool read_fan_out(const node& stage_map,
                  std::string_view context,
                  const std::string& base_dir,
                  engine::stage_spec& stage,
                  diagnostics& diags) {
    const node* broadcast = stage_map.find("broadcast");
    const node* route = stage_map.find("route");
    if (broadcast == nullptr && route == nullptr) return false;
    if (broadcast != nullptr && route != nullptr)
        diags.error(route->key_where,
                    std::string(context) + ": use either 'broadcast' or 'route', not both");
    const node& list = broadcast != nullptr ? *broadcast : *route;
    stage.fan_out =
        broadcast != nullptr ? engine::fan_out_mode::broadcast : engine::fan_out_mode::route;
    refuse_stage_keys(stage_map, context, list.key, diags);
    stage.processor_where = list.key_where;
    branch_reader reader(stage.fan_out, std::string(context), base_dir, diags);
    stage.branches = reader.read(list, list.key);
    std::vector<std::string> names;
    for (const auto& b : stage.branches) names.push_back(b.name);
    stage.processor = engine::fan_out_text(stage.fan_out, names);
    return true;
}

const std::vector<std::string>& branch_keys() {
    static const std::vector<std::string> keys{"name",   "processor", "plugin",
                                               "config", "when",      "default"};
    return keys;
}

const std::vector<std::string>& when_keys() {
    static const std::vector<std::string> keys{"regex", "on"};
    return keys;
}

}  // namespace wprun::config
