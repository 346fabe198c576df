#include "http_policy.h"

#include <curl/curl.h>

#include <charconv>
#include <stdexcept>

namespace http_plugin {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

bool parse_code(std::string_view s, long& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && out >= 100 && out <= 599;
}

}  // namespace

code_set::code_set(std::string_view text, std::string_view option) {
    std::string_view rest = text;
    while (!trim(rest).empty()) {
        size_t comma = rest.find(',');
        std::string_view item = trim(rest.substr(0, comma));
        size_t dash = item.find('-');
        long lo = 0, hi = 0;
        bool ok = dash == std::string_view::npos
                      ? parse_code(item, lo) && parse_code(item, hi)
                      : parse_code(trim(item.substr(0, dash)), lo) &&
                            parse_code(trim(item.substr(dash + 1)), hi) && lo <= hi;
        if (!ok)
            throw std::invalid_argument("http: '" + std::string(option) +
                                        "' must be status codes 100-599 or ranges like 500-599, "
                                        "separated by commas; got '" +
                                        std::string(text) + "'");
        for (long c = lo; c <= hi; ++c) codes_[size_t(c)] = true;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
}

bool code_set::overlaps(const code_set& other) const noexcept {
    for (size_t c = 0; c < codes_.size(); ++c)
        if (codes_[c] && other.codes_[c]) return true;
    return false;
}

std::optional<int64_t> retry_after_ms(std::string_view value, int64_t now_s) {
    value = trim(value);
    if (value.empty()) return std::nullopt;
    int64_t seconds = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && p == value.data() + value.size())
        return seconds < 0 ? std::nullopt : std::optional<int64_t>(seconds * 1000);
    std::string date(value);
    time_t at = curl_getdate(date.c_str(), nullptr);
    if (at < 0) return std::nullopt;
    return at <= now_s ? 0 : (int64_t(at) - now_s) * 1000;
}

}  // namespace http_plugin
