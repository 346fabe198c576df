// json_doc: what the json plugin's processors share — parsing one item with a reused simdjson
// parser, the byte offset of a syntax error, JSON Pointers split into unescaped segments, and the
// small writer helpers that turn parsed values back into compact JSON text.
//
// Thread-safety: a `json_doc` belongs to one worker; the free functions are pure.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

namespace json_plugin {

/// Thrown at create time for bad config; the processor turns it into wprun::config_error.
struct syntax_error {
    std::string message;
};

/// One worker's parser and padded input buffer, reused across items.
class json_doc {
public:
    /// Parses `text`; on success `root()` is valid until the next parse. On failure returns false
    /// and `why` says where: "malformed JSON at byte N: ...".
    bool parse(std::string_view text, std::string& why);
    simdjson::dom::element root() const noexcept { return root_; }

private:
    simdjson::dom::parser parser_;
    std::string padded_;
    simdjson::dom::element root_;
};

/// "malformed JSON at byte N: <reason>" for text simdjson refused; N is the 1-based position
/// of the byte where parsing failed (size + 1 when the text ends too early), as the jsonl source
/// reports it.
std::string describe_parse_error(std::string_view text, simdjson::error_code code);

/// Splits "/a/b~1c" into {"a", "b/c"}; throws syntax_error for text that is not a JSON Pointer
/// ("" is the whole document and gives no segments).
std::vector<std::string> pointer_segments(std::string_view pointer, std::string_view option);

/// Appends `s` as a JSON string literal (quotes and escapes).
void append_quoted(std::string& out, std::string_view s);

/// Appends the compact JSON text of `v`.
void append_value(std::string& out, simdjson::dom::element v);

/// A string value's text, or any other value's compact JSON (what `get` and `{json:...}` emit).
void append_text(std::string& out, simdjson::dom::element v);

/// Splits `s` on `sep` outside "strings", [arrays] and {objects}; trims blanks around parts.
std::vector<std::string_view> split_top_level(std::string_view s, char sep);

/// Parses one JSON value written in a config option; returns its compact text.
std::string compact_literal(std::string_view text, std::string_view option);

/// The JSON type name of `v`, for messages: "object", "array", "string", "number", ...
const char* type_name(simdjson::dom::element v) noexcept;

}  // namespace json_plugin
