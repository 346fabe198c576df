#include "item_template.h"

#include <array>
#include <charconv>

#include "../json/json_doc.h"

namespace format_plugin {
namespace {

template <class N>
void append_number(std::string& out, N n) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

void append_value(std::string& out, std::string_view v, bool encode) {
    if (encode)
        append_percent_encoded(out, v);
    else
        out += v;
}

}  // namespace

item_template::item_template(std::string_view t, std::string option) : option_(std::move(option)) {
    std::string literal;
    for (size_t i = 0; i < t.size(); ++i) {
        char c = t[i];
        bool doubled = i + 1 < t.size() && t[i + 1] == c;
        if ((c == '{' || c == '}') && doubled) ++i;
        if (c == '}' && !doubled)
            throw wprun::config_error(option_ + ": unmatched '}' at column " +
                                      std::to_string(i + 1) + " (write }} for a literal brace)");
        if (c != '{' || doubled) {
            literal += c;
            continue;
        }
        size_t end = t.find('}', i);
        if (end == std::string_view::npos)
            throw wprun::config_error(option_ + ": unmatched '{' at column " +
                                      std::to_string(i + 1) + " (write {{ for a literal brace)");
        if (!literal.empty()) pieces_.push_back({kind::text, std::move(literal)});
        literal.clear();
        pieces_.push_back(placeholder(t.substr(i + 1, end - i - 1)));
        needs_json_ = needs_json_ || pieces_.back().k == kind::json;
        i = end;
    }
    if (!literal.empty()) pieces_.push_back({kind::text, std::move(literal)});
}

item_template::piece item_template::placeholder(std::string_view name) const {
    static constexpr std::array<std::pair<std::string_view, kind>, 5> attributes = {{
        {"payload", kind::payload},
        {"seq", kind::seq},
        {"key", kind::key},
        {"attempt", kind::attempt},
        {"priority", kind::priority},
    }};
    if (name.substr(0, 5) == "json:") {
        std::string pointer(name.substr(5));
        try {
            json_plugin::pointer_segments(pointer, option_ + ": {" + std::string(name) + "}");
        } catch (const json_plugin::syntax_error& e) {
            throw wprun::config_error(e.message);
        }
        return {kind::json, pointer};
    }
    for (const auto& [text, k] : attributes)
        if (name == text) return {k, {}};
    throw wprun::config_error(option_ + ": unknown placeholder {" + std::string(name) +
                              "} (known: {payload}, {seq}, {key}, {attempt}, {priority}, "
                              "{json:/pointer}; write {{ and }} for literal braces)");
}

bool item_template::fill(std::string& out,
                         const wprun::job& j,
                         simdjson::dom::element doc,
                         bool encode,
                         bool missing_empty,
                         std::string& why) const {
    for (const piece& p : pieces_) {
        switch (p.k) {
            case kind::text:
                out += p.text;
                break;
            case kind::payload:
                append_value(out, j.payload, encode);
                break;
            case kind::key:
                append_value(out, j.key, encode);
                break;
            case kind::seq:
                append_number(out, j.seq);
                break;
            case kind::attempt:
                append_number(out, j.attempt);
                break;
            case kind::priority:
                append_number(out, j.priority);
                break;
            case kind::json: {
                auto found = doc.at_pointer(p.text);
                if (found.error() != simdjson::SUCCESS) {
                    if (missing_empty) break;
                    why = "no value at " + p.text;
                    return false;
                }
                if (!encode) {
                    json_plugin::append_text(out, found.value_unsafe());
                    break;
                }
                std::string text;
                json_plugin::append_text(text, found.value_unsafe());
                append_percent_encoded(out, text);
                break;
            }
        }
    }
    return true;
}

void append_percent_encoded(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0xf];
        }
    }
}

}  // namespace format_plugin
