#include "config/env.h"

#include <gtest/gtest.h>

#include <map>

namespace wprun::config {
namespace {

env_result expand(std::string_view text) {
    static const std::map<std::string, std::string, std::less<>> vars{{"HOME", "/home/u"},
                                                                      {"EMPTY", ""}};
    return expand_env(text, [](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    });
}

TEST(ExpandEnv, ReplacesASetVariable) {
    EXPECT_EQ(expand("${HOME}/in.txt").text, "/home/u/in.txt");
}

TEST(ExpandEnv, ReportsAnUnsetVariable) {
    EXPECT_EQ(expand("${NOPE}").error, "environment variable 'NOPE' is not set");
}

TEST(ExpandEnv, UsesTheDefaultWhenUnsetOrEmpty) {
    EXPECT_EQ(expand("${NOPE:-out.txt}").text, "out.txt");
    EXPECT_EQ(expand("${EMPTY:-x}").text, "x");
    EXPECT_EQ(expand("${HOME:-x}").text, "/home/u");
}

TEST(ExpandEnv, AllowsAnEmptyDefault) {
    auto r = expand("a${NOPE:-}b");
    EXPECT_FALSE(r.error);
    EXPECT_EQ(r.text, "ab");
}

TEST(ExpandEnv, TurnsDoubleDollarIntoOne) {
    EXPECT_EQ(expand("cost: $$5 $${HOME}").text, "cost: $5 ${HOME}");
}

TEST(ExpandEnv, KeepsOtherDollarSigns) { EXPECT_EQ(expand("a$b $ c$").text, "a$b $ c$"); }

TEST(ExpandEnv, ReportsAnUnclosedReference) { EXPECT_TRUE(expand("${HOME").error); }

TEST(ExpandEnv, ReportsABadVariableName) {
    EXPECT_TRUE(expand("${1X}").error);
    EXPECT_TRUE(expand("${}").error);
}

}  // namespace
}  // namespace wprun::config
