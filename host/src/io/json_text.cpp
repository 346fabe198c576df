#include "io/json_text.h"

namespace wprun::io {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

bool plain_ascii(unsigned char c) noexcept {
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

// Bounds of the second byte after lead byte `lead` (Unicode table 3-7); {0, 0} when `lead` cannot
// start a sequence. Later continuation bytes are always 80..BF.
struct lead_info {
    size_t length;
    unsigned char low;
    unsigned char high;
};

lead_info utf8_lead(unsigned char lead) noexcept {
    if (lead >= 0xC2 && lead <= 0xDF) return {2, 0x80, 0xBF};
    if (lead == 0xE0) return {3, 0xA0, 0xBF};
    if (lead == 0xED) return {3, 0x80, 0x9F};  // no surrogates
    if (lead >= 0xE1 && lead <= 0xEF) return {3, 0x80, 0xBF};
    if (lead == 0xF0) return {4, 0x90, 0xBF};
    if (lead >= 0xF1 && lead <= 0xF3) return {4, 0x80, 0xBF};
    if (lead == 0xF4) return {4, 0x80, 0x8F};
    return {0, 0, 0};
}

// How many bytes at the start of `s` form a valid prefix of a UTF-8 sequence (at least 1);
// `complete` tells whether they form a whole character.
size_t utf8_sequence(std::string_view s, bool& complete) noexcept {
    complete = false;
    lead_info info = utf8_lead(static_cast<unsigned char>(s[0]));
    if (info.length == 0) return 1;
    size_t i = 1;
    for (; i < info.length && i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        unsigned char low = i == 1 ? info.low : 0x80;
        unsigned char high = i == 1 ? info.high : 0xBF;
        if (c < low || c > high) return i;
    }
    complete = i == info.length;
    return i;
}

std::string_view control_escape(unsigned char c, char (&scratch)[8]) noexcept {
    switch (c) {
        case '"':
            return "\\\"";
        case '\\':
            return "\\\\";
        case '\b':
            return "\\b";
        case '\t':
            return "\\t";
        case '\n':
            return "\\n";
        case '\f':
            return "\\f";
        case '\r':
            return "\\r";
        default:
            break;
    }
    constexpr char hex[] = "0123456789abcdef";
    scratch[0] = '\\';
    scratch[1] = 'u';
    scratch[2] = '0';
    scratch[3] = '0';
    scratch[4] = hex[c >> 4];
    scratch[5] = hex[c & 0xF];
    return std::string_view(scratch, 6);
}

}  // namespace

size_t json_plain_prefix(std::string_view s) noexcept {
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (plain_ascii(c)) {
            ++i;
            continue;
        }
        if (c < 0x80) return i;
        bool complete = false;
        size_t n = utf8_sequence(s.substr(i), complete);
        if (!complete) return i;
        i += n;
    }
    return i;
}

std::string_view json_escape_next(std::string_view s,
                                  size_t& consumed,
                                  char (&scratch)[8]) noexcept {
    auto c = static_cast<unsigned char>(s[0]);
    if (c < 0x80) {
        consumed = 1;
        return control_escape(c, scratch);
    }
    bool complete = false;
    consumed = utf8_sequence(s, complete);
    return complete ? s.substr(0, consumed) : replacement;
}

}  // namespace wprun::io
