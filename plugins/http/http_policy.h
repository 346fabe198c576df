// http_policy: how the http processor judges one response or transport failure — which status
// codes are OK, RETRY or REJECT, whether a transport error (refused connection, reset, timeout)
// is retried, and how long a Retry-After header asks to wait.
//
// Thread-safety: immutable after construction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace http_plugin {

/// A set of HTTP status codes (100..599) written as "200-299, 304".
class code_set {
public:
    code_set() = default;
    /// Throws std::invalid_argument with a message naming `option` on bad text.
    code_set(std::string_view text, std::string_view option);
    bool has(long code) const noexcept { return code >= 0 && code < 600 && codes_[size_t(code)]; }
    bool overlaps(const code_set& other) const noexcept;

private:
    std::array<bool, 600> codes_{};
};

/// Retry-After as a delay in milliseconds: delta-seconds, or an HTTP-date relative to `now_s`
/// (seconds since the epoch). Nothing when the value is neither.
std::optional<int64_t> retry_after_ms(std::string_view value, int64_t now_s);

}  // namespace http_plugin
