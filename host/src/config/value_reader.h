// value_reader: reads single policy values from the YAML tree, reporting each problem at the
// value it is about (file:line:column, the valid range and an example), for the policy readers
// in policies.cpp and worker_policies.cpp. Private to the config layer. Not thread-safe (one
// reader per load; it appends to one `diagnostics`).
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "config/node.h"
#include "config/policies.h"
#include "config/suggest.h"
#include "config/units.h"
#include "detail/error.h"
#include "engine/spec.h"

namespace wprun::config::reading {

inline std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(value)) return std::nullopt;
    return value;
}

inline bool is_limiter_name(std::string_view name) {
    auto ok = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    };
    return !name.empty() && std::all_of(name.begin(), name.end(), ok);
}

template <typename T, typename U>
void assign(const std::optional<T>& value, U& into) {
    if (value) into = static_cast<U>(*value);
}

/// Where a value sits, for messages: `owner` names the stage ("stage 'api'", or "" at the top
/// level) and `path` the keys below it, written as `--set` takes them ("retry.backoff").
struct place {
    std::string owner;
    std::string path;

    place operator/(std::string_view key) const { return {owner, path + "." + std::string(key)}; }
    /// "stage 'api': retry.attempts", for a value.
    std::string what() const { return owner.empty() ? path : owner + ": " + path; }
    /// "stage 'api' retry", for a map (as in "unknown key 'x' in stage 'api' retry").
    std::string map() const { return owner.empty() ? path : owner + " " + path; }
};

/// Reads single policy values, reporting each problem at the value it is about.
class value_reader {
public:
    explicit value_reader(diagnostics& diags) : diags_(diags) {}

    void error(const location& where, std::string message) {
        diags_.error(where, std::move(message));
    }
    void warning(const location& where, std::string message) {
        diags_.warning(where, std::move(message));
    }

    /// True for a map or an empty value (an empty map: every field at its default).
    bool is_map(const node& n, const place& at) {
        if (n.is_map() || n.kind == node_kind::null) return true;
        error(n.where, at.what() + " must be a map, not " + std::string(kind_name(n.kind)));
        return false;
    }

    /// `is_map`, and every key of `n` in `keys` (did-you-mean for the others, at the key).
    bool map(const node& n, const place& at, const std::vector<std::string>& keys) {
        if (!is_map(n, at)) return false;
        for (const auto& entry : n.children)
            if (std::find(keys.begin(), keys.end(), entry.key) == keys.end())
                error(entry.key_where, unknown_key_message(entry.key, at.map(), keys));
        return true;
    }

    /// The entry `key` of `map`, or nullptr after reporting it missing (at the map).
    const node* required(const node& map,
                         const place& at,
                         std::string_view key,
                         std::string_view hint) {
        if (const node* found = map.find(key)) return found;
        error(map.where, at.map() + ": missing required key " + in_quotes(key) + " (" +
                             std::string(hint) + ")");
        return nullptr;
    }

    std::optional<std::string> text(const node& n, const place& at) {
        if (n.is_scalar()) return n.text;
        error(n.where,
              at.what() + " must be a single value, not " + std::string(kind_name(n.kind)));
        return std::nullopt;
    }

    /// Reports "WHAT must be EXPECTED, e.g. EXAMPLE, got 'VALUE' (WHY)" at the value.
    void bad(const node& n,
             const place& at,
             std::string_view expected,
             std::string_view example,
             std::string_view why = {}) {
        std::string message = at.what() + " must be " + std::string(expected) + ", e.g. " +
                              std::string(example) + ", got " + in_quotes(n.text);
        if (!why.empty()) message += " (" + std::string(why) + ")";
        error(n.where, std::move(message));
    }

    std::optional<int64_t> integer(
        const node& n, const place& at, int64_t lo, int64_t hi, std::string_view example) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        auto number = parse_number<int64_t>(*value);
        if (number && *number >= lo && *number <= hi) return number;
        bad(n, at, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi), example);
        return std::nullopt;
    }

    /// A finite number for which `ok` holds; `expected` says which ones do.
    std::optional<double> number(const node& n,
                                 const place& at,
                                 bool (*ok)(double),
                                 std::string_view expected,
                                 std::string_view example) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        auto number = parse_number<double>(*value);
        if (number && ok(*number)) return number;
        bad(n, at, expected, example);
        return std::nullopt;
    }

    /// Nanoseconds: above 0, or (`zero_ok`) 0 or more, where 0 means "no limit".
    std::optional<int64_t> duration(const node& n,
                                    const place& at,
                                    bool zero_ok,
                                    std::string_view example) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        auto ns = parse_duration_ns(*value);
        if (ns && (*ns > 0 || zero_ok)) return ns;
        bad(n, at, zero_ok ? "a duration of 0 or more (0 = no limit)" : "a duration above 0",
            example);
        return std::nullopt;
    }

    /// Bytes: above 0 ("64KiB", "1MiB", "100").
    std::optional<uint64_t> size(const node& n, const place& at, std::string_view example) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        auto bytes = parse_size(*value);
        if (bytes && *bytes > 0) return bytes;
        bad(n, at, "a size above 0 (100, 64KiB, 8MiB, 1GB)", example);
        return std::nullopt;
    }

    std::optional<double> rate(const node& n, const place& at) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        if (auto per_s = parse_rate_per_s(*value)) return per_s;
        bad(n, at, "a rate above 0 and at most 1000000000/s: N/s, N/m, N/h or N (per second)",
            "100/s or 0.5/s");
        return std::nullopt;
    }

    /// One of `choices`, with a did-you-mean for a near miss.
    std::optional<std::string> choice(const node& n,
                                      const place& at,
                                      const std::vector<std::string>& choices) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        if (std::find(choices.begin(), choices.end(), *value) != choices.end()) return value;
        std::string message =
            at.what() + " must be one of " + join_names(choices) + ", got " + in_quotes(*value);
        if (auto guess = did_you_mean(*value, choices))
            message += "; did you mean '" + *guess + "'?";
        error(n.where, std::move(message));
        return std::nullopt;
    }

private:
    diagnostics& diags_;
};

// Implemented in worker_policies.cpp: the stage keys about workers.
std::optional<engine::priority_spec> read_priority(value_reader& in,
                                                   const node& n,
                                                   const place& at);
void read_balance(value_reader& in,
                  const node& n,
                  const std::string& owner,
                  engine::stage_spec& stage);

}  // namespace wprun::config::reading
