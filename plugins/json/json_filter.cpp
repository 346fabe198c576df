#include "json_filter.h"

#include <array>
#include <utility>

#include "json_doc.h"

namespace json_plugin {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

/// Reads the filter text left to right; every error names the column where it went wrong.
class filter_scanner {
public:
    explicit filter_scanner(std::string_view text) : s_(text) {}

    std::vector<condition> conditions() {
        std::vector<condition> out;
        skip_blanks();
        if (at_end()) fail("is empty");
        for (;;) {
            out.push_back(one_condition());
            skip_blanks();
            if (at_end()) return out;
            if (word() != "and") fail("expected 'and' or the end");
        }
    }

private:
    condition one_condition() {
        condition c;
        skip_blanks();
        if (at_end() || s_[pos_] != '/') fail("expected a JSON Pointer such as /name");
        c.pointer = std::string(word());
        pointer_segments(c.pointer, "json: 'filter'");  // checks ~ escapes
        skip_blanks();
        size_t op_at = pos_;
        c.op = read_op();
        if (c.op == filter_op::exists || c.op == filter_op::missing) return c;
        skip_blanks();
        if (at_end()) fail("expected a JSON value after the operator");
        size_t value_at = pos_;
        c.value = literal(read_literal());
        if (c.op == filter_op::match) c.regex = compile(c.value, value_at);
        if (c.op != filter_op::eq && c.op != filter_op::ne && c.op != filter_op::match &&
            c.value.k != json_literal::kind::number && c.value.k != json_literal::kind::string) {
            pos_ = op_at;
            fail("<, <=, > and >= compare numbers or strings only");
        }
        return c;
    }

    filter_op read_op() {
        static constexpr std::array<std::pair<std::string_view, filter_op>, 9> ops = {{
            {"==", filter_op::eq},
            {"!=", filter_op::ne},
            {"<=", filter_op::le},
            {">=", filter_op::ge},
            {"<", filter_op::lt},
            {">", filter_op::gt},
            {"~", filter_op::match},
            {"exists", filter_op::exists},
            {"missing", filter_op::missing},
        }};
        std::string_view w = word();
        for (const auto& [text, op] : ops)
            if (w == text) return op;
        pos_ -= w.size();
        fail("expected an operator (==, !=, <, <=, >, >=, ~, exists, missing)");
        return filter_op::exists;
    }

    std::string_view read_literal() {
        size_t start = pos_;
        if (s_[pos_] != '"') return word();
        for (++pos_; pos_ < s_.size() && s_[pos_] != '"'; ++pos_)
            if (s_[pos_] == '\\') ++pos_;
        if (pos_ >= s_.size()) {
            pos_ = start;
            fail("unterminated string");
        }
        ++pos_;
        return s_.substr(start, pos_ - start);
    }

    json_literal literal(std::string_view text) {
        simdjson::dom::parser parser;
        simdjson::padded_string padded(text);
        auto parsed = parser.parse(padded);
        if (parsed.error() != simdjson::SUCCESS) {
            pos_ -= text.size();
            fail("expected a JSON value (\"text\", a number, true, false or null), got '" +
                 std::string(text) + "'");
        }
        element v = parsed.value_unsafe();
        json_literal out;
        switch (v.type()) {
            case element_type::STRING:
                out.k = json_literal::kind::string;
                out.text = std::string(v.get_string().value_unsafe());
                break;
            case element_type::BOOL:
                out.k = json_literal::kind::boolean;
                out.boolean = v.get_bool().value_unsafe();
                break;
            case element_type::NULL_VALUE:
                out.k = json_literal::kind::null;
                break;
            case element_type::INT64:
            case element_type::UINT64:
            case element_type::DOUBLE:
                out.k = json_literal::kind::number;
                break;
            default:
                pos_ -= text.size();
                fail("compare with a string, number, true, false or null, not an array or object");
        }
        if (out.k == json_literal::kind::number) out.number = number_of(v);
        return out;
    }

    std::regex compile(const json_literal& v, size_t at) {
        size_t end = pos_;
        pos_ = at;
        if (v.k != json_literal::kind::string) fail("~ needs a regex in double quotes");
        try {
            std::regex re(v.text, std::regex::ECMAScript | std::regex::optimize);
            pos_ = end;
            return re;
        } catch (const std::regex_error& e) {
            fail("invalid regex \"" + v.text + "\": " + e.what());
        }
    }

public:
    static json_number number_of(element v) {
        json_number n;
        if (v.type() == element_type::INT64) {
            n.k = json_number::kind::signed_int;
            n.i = v.get_int64().value_unsafe();
        } else if (v.type() == element_type::UINT64) {
            n.k = json_number::kind::unsigned_int;
            n.u = v.get_uint64().value_unsafe();
        } else {
            n.d = v.get_double().value_unsafe();
        }
        return n;
    }

private:
    std::string_view word() {
        size_t start = pos_;
        if (pos_ < s_.size() &&
            std::string_view("=!<>~").find(s_[pos_]) != std::string_view::npos) {
            while (pos_ < s_.size() &&
                   std::string_view("=!<>~").find(s_[pos_]) != std::string_view::npos)
                ++pos_;
            return s_.substr(start, pos_ - start);
        }
        while (pos_ < s_.size() && !is_blank(s_[pos_])) ++pos_;
        return s_.substr(start, pos_ - start);
    }
    static bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\n'; }
    void skip_blanks() {
        while (pos_ < s_.size() && is_blank(s_[pos_])) ++pos_;
    }
    bool at_end() const noexcept { return pos_ >= s_.size(); }
    [[noreturn]] void fail(const std::string& what) const {
        throw syntax_error{"json: 'filter' " + what + " at column " + std::to_string(pos_ + 1) +
                           " of '" + std::string(s_) + "'"};
    }

    std::string_view s_;
    size_t pos_ = 0;
};

/// -1, 0 or 1; integers compare exactly, anything with a fraction as doubles.
int compare(const json_number& a, const json_number& b) noexcept {
    using k = json_number::kind;
    if (a.k != k::floating && b.k != k::floating) {
        bool a_neg = a.k == k::signed_int && a.i < 0, b_neg = b.k == k::signed_int && b.i < 0;
        if (a_neg != b_neg) return a_neg ? -1 : 1;
        if (a_neg) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
        uint64_t x = a.k == k::signed_int ? uint64_t(a.i) : a.u;  // both >= 0 here
        uint64_t y = b.k == k::signed_int ? uint64_t(b.i) : b.u;
        return x < y ? -1 : x > y ? 1 : 0;
    }
    auto as_double = [](const json_number& n) {
        return n.k == k::signed_int ? double(n.i) : n.k == k::unsigned_int ? double(n.u) : n.d;
    };
    double x = as_double(a), y = as_double(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

bool is_number(element v) noexcept {
    auto t = v.type();
    return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

/// Three-way comparison of a field with a literal; false in `comparable` on a type mismatch.
int order(element v, const json_literal& lit, bool& comparable) {
    comparable = true;
    std::string_view s;
    if (lit.k == json_literal::kind::number && is_number(v))
        return compare(filter_scanner::number_of(v), lit.number);
    if (lit.k == json_literal::kind::string && v.get(s) == simdjson::SUCCESS)
        return s.compare(lit.text) < 0 ? -1 : s == lit.text ? 0 : 1;
    if (lit.k == json_literal::kind::boolean && v.type() == element_type::BOOL)
        return v.get_bool().value_unsafe() == lit.boolean ? 0 : 1;
    if (lit.k == json_literal::kind::null && v.type() == element_type::NULL_VALUE) return 0;
    comparable = false;
    return 0;
}

bool holds(const condition& c, element root) {
    auto found = root.at_pointer(c.pointer);
    bool present = found.error() == simdjson::SUCCESS;
    if (c.op == filter_op::exists) return present;
    if (c.op == filter_op::missing) return !present;
    if (!present) return c.op == filter_op::ne;
    element v = found.value_unsafe();
    if (c.op == filter_op::match) {
        std::string_view s;
        return v.get(s) == simdjson::SUCCESS && std::regex_search(s.begin(), s.end(), c.regex);
    }
    bool comparable = false;
    int o = order(v, c.value, comparable);
    switch (c.op) {
        case filter_op::eq:
            return comparable && o == 0;
        case filter_op::ne:
            return !comparable || o != 0;
        case filter_op::lt:
            return comparable && o < 0;
        case filter_op::le:
            return comparable && o <= 0;
        case filter_op::gt:
            return comparable && o > 0;
        case filter_op::ge:
            return comparable && o >= 0;
        default:
            return false;
    }
}

}  // namespace

json_filter::json_filter(std::string_view text) : conditions_(filter_scanner(text).conditions()) {}

bool json_filter::matches(simdjson::dom::element root) const {
    for (const condition& c : conditions_)
        if (!holds(c, root)) return false;
    return true;
}

}  // namespace json_plugin
