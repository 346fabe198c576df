#include "config/units.h"

#include <array>
#include <charconv>
#include <limits>

#include "engine/spec.h"

namespace wprun::config {
namespace {

// 128-bit intermediates let a value be checked against the 64-bit limit after scaling, instead
// of guarding every multiplication.
__extension__ using u128 = unsigned __int128;

struct unit {
    std::string_view suffix;
    uint64_t factor;
};

// Longest suffix first where one is a suffix of another ("ms" before "s").
constexpr std::array<unit, 6> duration_units{{
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

constexpr std::array<unit, 9> size_units{{
    {"KiB", uint64_t{1} << 10},
    {"MiB", uint64_t{1} << 20},
    {"GiB", uint64_t{1} << 30},
    {"TiB", uint64_t{1} << 40},
    {"KB", 1'000},
    {"MB", 1'000'000},
    {"GB", 1'000'000'000},
    {"TB", 1'000'000'000'000},
    {"B", 1},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Splits "250ms" into "250" and "ms": the number is the leading run of digits and dots.
std::pair<std::string_view, std::string_view> split_number(std::string_view text) {
    size_t i = 0;
    while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;
    return {text.substr(0, i), text.substr(i)};
}

std::optional<uint64_t> parse_digits(std::string_view digits) {
    if (digits.empty()) return std::nullopt;
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return value;
}

template <size_t N>
std::optional<uint64_t> find_factor(const std::array<unit, N>& units, std::string_view suffix) {
    for (const auto& u : units)
        if (u.suffix == suffix) return u.factor;
    return std::nullopt;
}

/// `whole.fraction * factor`, truncated; nullopt when the result exceeds `limit`.
std::optional<uint64_t> scale(std::string_view number, uint64_t factor, uint64_t limit) {
    size_t dot = number.find('.');
    auto whole = parse_digits(number.substr(0, dot));
    if (!whole) return std::nullopt;
    u128 total = u128{*whole} * factor;
    if (dot != std::string_view::npos) {
        std::string_view frac = number.substr(dot + 1);
        // 18 digits keep 10^digits within 64 bits; finer than a nanosecond of an hour anyway.
        if (frac.size() > 18) return std::nullopt;
        auto digits = parse_digits(frac);
        if (!digits) return std::nullopt;
        u128 denominator = 1;
        for (size_t i = 0; i < frac.size(); ++i) denominator *= 10;
        total += u128{*digits} * factor / denominator;
    }
    if (total > limit) return std::nullopt;
    return static_cast<uint64_t>(total);
}

template <size_t N>
std::string format_with(uint64_t value, const std::array<unit, N>& units, size_t count) {
    for (size_t i = count; i-- > 0;)
        if (value != 0 && value % units[i].factor == 0)
            return std::to_string(value / units[i].factor) + std::string(units[i].suffix);
    return std::to_string(value);
}

}  // namespace

std::optional<int64_t> parse_duration_ns(std::string_view text) {
    if (text == "0") return 0;
    auto [number, suffix] = split_number(text);
    auto factor = find_factor(duration_units, suffix);
    if (!factor) return std::nullopt;
    auto ns = scale(number, *factor, std::numeric_limits<int64_t>::max());
    if (!ns) return std::nullopt;
    return static_cast<int64_t>(*ns);
}

std::optional<uint64_t> parse_size(std::string_view text) {
    auto [number, suffix] = split_number(text);
    if (number.find('.') != std::string_view::npos) return std::nullopt;
    uint64_t factor = 1;
    if (!suffix.empty()) {
        auto found = find_factor(size_units, suffix);
        if (!found) return std::nullopt;
        factor = *found;
    }
    return scale(number, factor, std::numeric_limits<uint64_t>::max());
}

std::string format_duration(int64_t ns) {
    if (ns < 0) {
        // Negate in unsigned arithmetic so INT64_MIN does not overflow.
        return "-" +
               format_with(0 - static_cast<uint64_t>(ns), duration_units, duration_units.size());
    }
    return format_with(static_cast<uint64_t>(ns), duration_units, duration_units.size());
}

std::string format_size(uint64_t bytes) {
    // Only the binary units: "1000" reads better than "1KB" next to "1KiB". The engine (which
    // cannot use config/) has the same rule; one implementation serves both.
    return engine::size_text(bytes);
}

}  // namespace wprun::config
