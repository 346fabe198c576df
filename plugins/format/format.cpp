// format: builds each output from a template with the item's payload, its attributes (seq, key,
// attempt, priority) and fields of a JSON payload, so a pipeline's output can be shaped for the
// next tool:
//
//     template: "{seq}\t{key}\t{json:/user/name}"
//
// The template is parsed once at create (like exec's command arguments); `{{` and `}}` are
// literal braces. The payload is parsed as JSON only when the template names a `{json:...}`
// field, with the json plugin's simdjson document (malformed JSON: REJECT with the byte offset).
//
// Thread-safety: the instance is read-only after create; each worker owns its parser and buffer.
#include <array>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>
#include <wprun/plugin.hpp>

#include "../json/json_doc.h"

namespace {

using wprun::config_error;
using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

enum class piece_kind : uint8_t { text, payload, seq, key, attempt, priority, json };

struct piece {
    piece_kind kind;
    std::string text;  ///< literal text, or the JSON Pointer of piece_kind::json
};

constexpr std::array<std::pair<std::string_view, piece_kind>, 5> attributes = {{
    {"payload", piece_kind::payload},
    {"seq", piece_kind::seq},
    {"key", piece_kind::key},
    {"attempt", piece_kind::attempt},
    {"priority", piece_kind::priority},
}};

piece placeholder(std::string_view name) {
    if (name.substr(0, 5) == "json:") {
        std::string pointer(name.substr(5));
        try {
            json_plugin::pointer_segments(pointer, "format: {" + std::string(name) + "}");
        } catch (const json_plugin::syntax_error& e) {
            throw config_error(e.message);
        }
        return {piece_kind::json, pointer};
    }
    for (const auto& [text, kind] : attributes)
        if (name == text) return {kind, {}};
    throw config_error("format: unknown placeholder {" + std::string(name) +
                       "} in 'template' (known: {payload}, {seq}, {key}, {attempt}, {priority}, "
                       "{json:/pointer}; write {{ and }} for literal braces)");
}

/// Splits the template into literal text and placeholders.
std::vector<piece> parse_template(std::string_view t) {
    std::vector<piece> pieces;
    std::string literal;
    for (size_t i = 0; i < t.size(); ++i) {
        char c = t[i];
        bool doubled = i + 1 < t.size() && t[i + 1] == c;
        if ((c == '{' || c == '}') && doubled) ++i;
        if (c == '}' && !doubled)
            throw config_error("format: unmatched '}' at column " + std::to_string(i + 1) +
                               " of 'template' (write }} for a literal brace)");
        if (c != '{' || doubled) {
            literal += c;
            continue;
        }
        size_t end = t.find('}', i);
        if (end == std::string_view::npos)
            throw config_error("format: unmatched '{' at column " + std::to_string(i + 1) +
                               " of 'template' (write {{ for a literal brace)");
        if (!literal.empty()) pieces.push_back({piece_kind::text, std::move(literal)});
        literal.clear();
        pieces.push_back(placeholder(t.substr(i + 1, end - i - 1)));
        i = end;
    }
    if (!literal.empty()) pieces.push_back({piece_kind::text, std::move(literal)});
    return pieces;
}

template <class N>
void append_number(std::string& out, N n) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

class format {
public:
    static constexpr const char* name = "format";
    static constexpr const char* description =
        "Builds each output from a template: {payload}, {seq}, {key}, {attempt}, {priority}, "
        "{json:/pointer}.";

    static std::vector<field> schema() {
        return {
            {"template", WPRUN_TYPE_STRING, nullptr, true,
             "the output, e.g. \"{seq}\\t{key}\\t{json:/name}\"; {{ and }} are literal braces"},
            {"missing", WPRUN_TYPE_STRING, "reject", false,
             "when a {json:...} field is absent: reject (error output) or empty (insert '')"},
        };
    }

    explicit format(const wprun::config& cfg)
        : pieces_(parse_template(cfg.get_string("template"))),
          missing_empty_(missing_is_empty(cfg.get_string("missing", "reject"))) {
        for (const piece& p : pieces_) needs_json_ = needs_json_ || p.kind == piece_kind::json;
    }

    struct worker {
        json_plugin::json_doc doc;
        std::string out;
    };

    result process(worker& w, const job& j, emitter& out) const {
        std::string why;
        if (needs_json_ && !w.doc.parse(j.payload, why)) return wprun::reject("format: " + why);
        w.out.clear();
        for (const piece& p : pieces_)
            if (result r = fill(w, p, j); !r.is_ok()) return r;
        out.emit(w.out);
        return wprun::ok();
    }

private:
    static bool missing_is_empty(const std::string& v) {
        if (v == "reject" || v == "empty") return v == "empty";
        throw config_error("format: unknown missing '" + v + "' (valid: reject, empty)");
    }

    result fill(worker& w, const piece& p, const job& j) const {
        switch (p.kind) {
            case piece_kind::text:
                w.out += p.text;
                break;
            case piece_kind::payload:
                w.out += j.payload;
                break;
            case piece_kind::key:
                w.out += j.key;
                break;
            case piece_kind::seq:
                append_number(w.out, j.seq);
                break;
            case piece_kind::attempt:
                append_number(w.out, j.attempt);
                break;
            case piece_kind::priority:
                append_number(w.out, j.priority);
                break;
            case piece_kind::json:
                return fill_json(w, p.text);
        }
        return wprun::ok();
    }

    result fill_json(worker& w, const std::string& pointer) const {
        auto found = w.doc.root().at_pointer(pointer);
        if (found.error() == simdjson::SUCCESS)
            json_plugin::append_text(w.out, found.value_unsafe());
        else if (!missing_empty_)
            return wprun::reject("format: no value at " + pointer);
        return wprun::ok();
    }

    std::vector<piece> pieces_;
    bool missing_empty_;
    bool needs_json_ = false;
};

}  // namespace

WPRUN_PLUGIN("format", "1.0.0", format)
