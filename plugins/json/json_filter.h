// json_filter: the `filter` option of the json processor — conditions on fields named by JSON
// Pointers, all of which must hold:
//
//     /age >= 18 and /name ~ "^a" and /email exists and /status != "banned"
//
// Operators: == != < <= > >= (numbers by value, strings byte-wise), ~ (ECMAScript regex search
// on a string field), exists, missing. A missing field or a type mismatch makes ==, <, <=, >, >=
// and ~ false, and != true.
//
// Thread-safety: immutable after construction; `matches` may run on many threads at once.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace json_plugin {

/// A number as written in JSON: kept as an integer when it is one, so large ids compare exactly.
struct json_number {
    enum class kind : uint8_t { signed_int, unsigned_int, floating } k = kind::floating;
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
};

/// A JSON scalar written in the filter (the right-hand side of a comparison).
struct json_literal {
    enum class kind : uint8_t { string, number, boolean, null } k = kind::null;
    std::string text;
    json_number number;
    bool boolean = false;
};

enum class filter_op : uint8_t { eq, ne, lt, le, gt, ge, match, exists, missing };

struct condition {
    std::string pointer;
    filter_op op = filter_op::exists;
    json_literal value;
    std::regex regex;  ///< for filter_op::match
};

class json_filter {
public:
    /// Parses the option's text; throws syntax_error with the column of the problem.
    explicit json_filter(std::string_view text);
    bool matches(simdjson::dom::element root) const;
    size_t size() const noexcept { return conditions_.size(); }

private:
    std::vector<condition> conditions_;
};

}  // namespace json_plugin
