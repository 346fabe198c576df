#include "json_doc.h"

#include <nlohmann/json.hpp>

namespace json_plugin {

bool json_doc::parse(std::string_view text, std::string& why) {
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: copy into a buffer that has them.
    // The buffer only grows, so nothing is allocated once it has reached the largest item.
    padded_.assign(text);
    padded_.append(simdjson::SIMDJSON_PADDING, '\0');
    auto result = parser_.parse(padded_.data(), text.size(), false);
    if (result.error() == simdjson::SUCCESS) {
        root_ = result.value_unsafe();
        return true;
    }
    why = describe_parse_error(text, result.error());
    return false;
}

// simdjson (which the hot path uses for speed) says what is wrong but not where; nlohmann-json
// says where. Only items that failed are parsed a second time, so the cost stays off the hot path.
std::string describe_parse_error(std::string_view text, simdjson::error_code code) {
    try {
        nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end());
        (void)parsed;
    } catch (const nlohmann::json::parse_error& e) {
        // `byte` is the 1-based position of the byte where parsing failed (size + 1 at an
        // unexpected end): the same number the jsonl source reports for a malformed line.
        size_t at = e.byte == 0 ? 1 : e.byte;
        std::string reason = e.what();
        size_t cut = reason.find(": syntax error");
        if (cut != std::string::npos) reason.erase(0, cut + 2);
        return "malformed JSON at byte " + std::to_string(at) + ": " + reason;
    } catch (const std::exception&) {
    }
    // nlohmann accepts a few documents simdjson refuses (integers beyond 64 bits, very deep
    // nesting): say simdjson's reason, without an offset.
    return std::string("unsupported JSON: ") + simdjson::error_message(code);
}

std::vector<std::string> pointer_segments(std::string_view pointer, std::string_view option) {
    std::vector<std::string> out;
    if (pointer.empty()) return out;
    if (pointer.front() != '/')
        throw syntax_error{std::string(option) + ": '" + std::string(pointer) +
                           "' is not a JSON Pointer (it must start with /)"};
    for (size_t i = 0; i < pointer.size(); ++i) {
        char c = pointer[i];
        if (c == '/') {
            out.emplace_back();
            continue;
        }
        if (c == '~') {
            char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
            if (next != '0' && next != '1')
                throw syntax_error{std::string(option) + ": '" + std::string(pointer) +
                                   "': ~ must be followed by 0 (~) or 1 (/)"};
            c = next == '0' ? '~' : '/';
            ++i;
        }
        out.back() += c;
    }
    return out;
}

void append_quoted(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (u < 0x20) {
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
}

void append_value(std::string& out, simdjson::dom::element v) { out += simdjson::minify(v); }

void append_text(std::string& out, simdjson::dom::element v) {
    std::string_view s;
    if (v.get(s) == simdjson::SUCCESS)
        out += s;
    else
        append_value(out, v);
}

std::vector<std::string_view> split_top_level(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    int depth = 0;
    bool in_string = false;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
        char c = i < s.size() ? s[i] : sep;
        if (in_string) {
            if (c == '\\') ++i;
            if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        if (c == '[' || c == '{') ++depth;
        if (c == ']' || c == '}') --depth;
        if (c != sep || depth > 0) continue;
        std::string_view part = s.substr(start, i - start);
        while (!part.empty() && (part.front() == ' ' || part.front() == '\n'))
            part.remove_prefix(1);
        while (!part.empty() && (part.back() == ' ' || part.back() == '\n')) part.remove_suffix(1);
        parts.push_back(part);
        start = i + 1;
    }
    return parts;
}

std::string compact_literal(std::string_view text, std::string_view option) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(text);
    auto result = parser.parse(padded);
    if (result.error() != simdjson::SUCCESS)
        throw syntax_error{std::string(option) + ": '" + std::string(text) +
                           "' is not a JSON value (" + describe_parse_error(text, result.error()) +
                           "; strings need double quotes)"};
    return simdjson::minify(result.value_unsafe());
}

const char* type_name(simdjson::dom::element v) noexcept {
    switch (v.type()) {
        case simdjson::dom::element_type::ARRAY:
            return "array";
        case simdjson::dom::element_type::OBJECT:
            return "object";
        case simdjson::dom::element_type::STRING:
            return "string";
        case simdjson::dom::element_type::BOOL:
            return "boolean";
        case simdjson::dom::element_type::NULL_VALUE:
            return "null";
        default:
            return "number";
    }
}

}  // namespace json_plugin
