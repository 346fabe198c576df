#include "io/json_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace wprun::io {
namespace {

struct string_out {
    std::string s;
    void write(std::string_view v) { s.append(v); }
    void put(char c) { s.push_back(c); }
};

std::string as_json(std::string_view text) {
    string_out out;
    write_json_string(out, text);
    return out.s;
}

std::string nlohmann_replace(const std::string& text) {
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonText, EscapesQuotesBackslashesAndControls) {
    EXPECT_EQ(as_json("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(as_json("\b\t\n\f\r"), "\"\\b\\t\\n\\f\\r\"");
    EXPECT_EQ(as_json(std::string_view("\0\x1f\x7f", 3)), "\"\\u0000\\u001f\x7f\"");
}

TEST(JsonText, KeepsValidUtf8) {
    EXPECT_EQ(as_json("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"),
              "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonText, ReplacesInvalidUtf8WithReplacementCharacter) {
    EXPECT_EQ(as_json("a\xFF"
                      "b"),
              "\"a\xEF\xBF\xBD"
              "b\"");
    EXPECT_EQ(as_json("\xE2\x82"), "\"\xEF\xBF\xBD\"");  // cut short: one U+FFFD
    EXPECT_EQ(as_json("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
    EXPECT_EQ(as_json("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong
}

TEST(JsonText, MatchesNlohmannReplaceOnRandomBytes) {
    std::mt19937 rng(42);
    const std::string alphabet =
        "a\"\\\n\x01\x7f\x80\xbf\xc2\xdf\xe0\xa0\xed\x9f\xef\xf0\x90\xf4\x8f\xff";
    for (int round = 0; round < 20000; ++round) {
        std::string text(rng() % 12, ' ');
        for (char& c : text)
            c = (rng() % 3 == 0) ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
        ASSERT_EQ(as_json(text), nlohmann_replace(text)) << "round " << round;
    }
}

TEST(JsonText, WritesDecimalNumbers) {
    string_out out;
    write_json_uint(out, 0);
    out.put(',');
    write_json_uint(out, UINT64_MAX);
    EXPECT_EQ(out.s, "0,18446744073709551615");
}

}  // namespace
}  // namespace wprun::io
