// item_template: a text with placeholders filled per item — {payload}, {seq}, {key}, {attempt},
// {priority} and {json:/pointer} (a field of a JSON payload: a string's text, other values as
// compact JSON). `{{` and `}}` are literal braces. Parsed once at create; `fill` appends to a
// reused buffer. Used by the format processor and by the http plugin's URL, headers and body.
//
// Thread-safety: immutable after construction; `fill` may run on many threads at once.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include <wprun/plugin.hpp>

namespace format_plugin {

class item_template {
public:
    /// Parses `text`; throws wprun::config_error naming `option` (e.g. "format: 'template'").
    item_template(std::string_view text, std::string option);

    /// True when a {json:...} placeholder needs the payload parsed.
    bool needs_json() const noexcept { return needs_json_; }

    /// Appends the filled template to `out`. `doc` is the parsed payload (only read when
    /// `needs_json`); `encode` percent-encodes every substituted value (for URLs). Returns false
    /// with `why` when a {json:...} field is absent and `missing_empty` is false.
    bool fill(std::string& out,
              const wprun::job& j,
              simdjson::dom::element doc,
              bool encode,
              bool missing_empty,
              std::string& why) const;

private:
    enum class kind : uint8_t { text, payload, seq, key, attempt, priority, json };
    struct piece {
        kind k;
        std::string text;  ///< literal text, or the JSON Pointer of kind::json
    };
    piece placeholder(std::string_view name) const;

    std::string option_;
    std::vector<piece> pieces_;
    bool needs_json_ = false;
};

/// Appends `s` percent-encoded: everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _
/// ~).
void append_percent_encoded(std::string& out, std::string_view s);

}  // namespace format_plugin
