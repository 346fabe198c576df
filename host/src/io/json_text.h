// json_text: writes JSON numbers and string literals straight into an output buffer.
//
// The jsonl sink and error sink use this on their hot path instead of building nlohmann::json
// values (which would copy every payload twice). Payloads are arbitrary bytes, so strings are
// escaped deterministically: invalid UTF-8 becomes U+FFFD, one per maximal invalid subpart
// (Unicode 3.9), which is exactly what nlohmann's dump(-1, ' ', false, error_handler_t::replace)
// writes; control characters are escaped the same way nlohmann does. Stateless, thread-safe.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wprun::io {

/// Length of the run at the start of `s` that can be copied into a JSON string unchanged
/// (printable ASCII other than '"' and '\\', and well-formed UTF-8 sequences).
size_t json_plain_prefix(std::string_view s) noexcept;

/// What replaces the first byte(s) of `s` (which are not plain): an escape sequence or U+FFFD.
/// Sets `consumed` to the number of input bytes it stands for.
std::string_view json_escape_next(std::string_view s,
                                  size_t& consumed,
                                  char (&scratch)[8]) noexcept;

/// Writes `s` as a JSON string literal, quotes included. `Out` needs write(std::string_view)
/// and put(char) (output_file, or a test's string buffer).
template <class Out>
void write_json_string(Out& out, std::string_view s) {
    out.put('"');
    char scratch[8];
    while (!s.empty()) {
        size_t plain = json_plain_prefix(s);
        out.write(s.substr(0, plain));
        s.remove_prefix(plain);
        if (s.empty()) break;
        size_t consumed = 0;
        out.write(json_escape_next(s, consumed, scratch));
        s.remove_prefix(consumed);
    }
    out.put('"');
}

/// Writes `v` in decimal.
template <class Out>
void write_json_uint(Out& out, uint64_t v) {
    char digits[24];
    auto res = std::to_chars(digits, digits + sizeof digits, v);
    out.write(std::string_view(digits, static_cast<size_t>(res.ptr - digits)));
}

}  // namespace wprun::io
