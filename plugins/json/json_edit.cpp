#include "json_edit.h"

#include "json_doc.h"

namespace json_plugin {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

const edit_node* child(const edit_node& n, std::string_view key) noexcept {
    for (const edit_node& c : n.children)
        if (c.key == key) return &c;
    return nullptr;
}

void open_field(std::string& out, bool& first, std::string_view key) {
    if (!first) out += ',';
    first = false;
    append_quoted(out, key);
    out += ':';
}

}  // namespace

json_edit::json_edit(mode m, std::string_view text) : mode_(m) {
    const char* option = m == mode::project ? "json: 'project'" : "json: 'set'";
    for (std::string_view part : split_top_level(text, ',')) {
        if (part.empty())
            throw syntax_error{std::string(option) + ": empty entry in '" + std::string(text) +
                               "'"};
        if (m == mode::project) {
            add(part, std::nullopt);
            continue;
        }
        size_t eq = part.find('=');
        if (eq == std::string_view::npos)
            throw syntax_error{std::string(option) + ": '" + std::string(part) +
                               "' is not /pointer=value"};
        std::string_view pointer = part.substr(0, eq);
        while (!pointer.empty() && pointer.back() == ' ') pointer.remove_suffix(1);
        std::string_view value = part.substr(eq + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        add(pointer, compact_literal(value, option));
    }
    if (root_.children.empty() && !root_.whole)
        throw syntax_error{std::string(option) + " names no field"};
}

void json_edit::add(std::string_view pointer, std::optional<std::string> value) {
    const char* option = mode_ == mode::project ? "json: 'project'" : "json: 'set'";
    std::vector<std::string> segments = pointer_segments(pointer, option);
    if (segments.empty())
        throw syntax_error{std::string(option) + ": the whole document (\"\") cannot be a path"};
    edit_node* n = &root_;
    for (size_t i = 0; i < segments.size(); ++i) {
        if (n->whole) return;  // an enclosing path already keeps everything below
        if (n->value)
            throw syntax_error{std::string(option) + ": " + std::string(pointer) + " lies inside " +
                               n->path + ", which is set already"};
        edit_node* next = nullptr;
        for (edit_node& c : n->children)
            if (c.key == segments[i]) next = &c;
        if (!next) {
            n->children.push_back({segments[i], n->path + "/" + segments[i], {}, {}, false});
            next = &n->children.back();
        }
        n = next;
    }
    if (value && (n->value || !n->children.empty()))
        throw syntax_error{std::string(option) + ": " + std::string(pointer) +
                           " overlaps another entry"};
    n->value = std::move(value);
    if (mode_ == mode::project) {
        n->whole = true;
        n->children.clear();
    }
}

bool json_edit::write(element root, std::string& out, std::string& why) const {
    if (root.type() != simdjson::dom::element_type::OBJECT) {
        why = std::string("json: ") + (mode_ == mode::project ? "project" : "set") +
              " needs an object, got " + type_name(root);
        return false;
    }
    if (mode_ == mode::set) return set(&root, root_, out, why);
    if (!project(root, root_, out)) out += "{}";
    return true;
}

// Writes the parts of object `v` that `n` names; false (and nothing written) when none is there.
bool json_edit::project(element v, const edit_node& n, std::string& out) const {
    object obj;
    if (v.get(obj) != simdjson::SUCCESS) return false;
    size_t start = out.size();
    bool first = true;
    out += '{';
    for (auto field : obj) {
        const edit_node* c = child(n, field.key);
        if (!c) continue;
        size_t mark = out.size();
        bool was_first = first;
        open_field(out, first, field.key);
        if (c->whole) {
            append_value(out, field.value);
        } else if (!project(field.value, *c, out)) {
            out.resize(mark);
            first = was_first;
        }
    }
    if (first) {
        out.resize(start);
        return false;
    }
    out += '}';
    return true;
}

// Writes `v` (nullptr: absent, to be created) with the values `n` sets below it.
bool json_edit::set(const element* v,
                    const edit_node& n,
                    std::string& out,
                    std::string& why) const {
    if (n.value) {
        out += *n.value;
        return true;
    }
    object obj;
    if (v && v->get(obj) != simdjson::SUCCESS) {
        why = "json: cannot set below " + n.path + ": it is " + std::string(type_name(*v)) +
              ", not an object";
        return false;
    }
    bool first = true;
    out += '{';
    if (v) {
        for (auto field : obj) {
            open_field(out, first, field.key);
            const edit_node* c = child(n, field.key);
            if (!c)
                append_value(out, field.value);
            else if (!set(&field.value, *c, out, why))
                return false;
        }
    }
    for (const edit_node& c : n.children) {
        if (v && obj.at_key(c.key).error() == simdjson::SUCCESS) continue;
        open_field(out, first, c.key);
        if (!set(nullptr, c, out, why)) return false;
    }
    out += '}';
    return true;
}

}  // namespace json_plugin
