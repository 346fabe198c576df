#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_host.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using strings = std::vector<std::string>;

namespace {

// Runs one payload through a fresh stage of `processor`.
strings run(const char* processor, const std::string& payload, const config_list& config = {}) {
    fake_host host;
    EXPECT_EQ(host.create(processor, config).status, WPRUN_OK);
    auto r = host.process(payload);
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    return r.outputs;
}

}  // namespace

TEST(TextPlugin, ProvidesItsSixProcessors) {
    fake_host host;
    EXPECT_STREQ(host.info().name, "text");
    for (const char* name : {"upper", "lower", "trim", "replace", "grep", "split"})
        EXPECT_NE(host.find(name), nullptr) << name;
}

TEST(Upper, UpperCasesAsciiOnly) {
    EXPECT_EQ(run("upper", "Hello, w\xc3\xa9rld 42"), strings{"HELLO, W\xc3\xa9RLD 42"});
}

TEST(Lower, LowerCasesAsciiOnly) {
    EXPECT_EQ(run("lower", "MiXeD Case \xc3\x89"), strings{"mixed case \xc3\x89"});
}

TEST(Upper, ReusesTheWorkerBufferAcrossItems) {
    fake_host host;
    ASSERT_EQ(host.create("upper").status, WPRUN_OK);
    EXPECT_EQ(host.process("a long first item").outputs, strings{"A LONG FIRST ITEM"});
    EXPECT_EQ(host.process("b").outputs, strings{"B"});
}

TEST(Trim, RemovesAsciiWhitespaceAtBothEnds) {
    EXPECT_EQ(run("trim", " \t\r\n a b \v\f\n"), strings{"a b"});
}

TEST(Trim, EmitsAnEmptyItemForAllWhitespace) { EXPECT_EQ(run("trim", " \t "), strings{""}); }

TEST(Replace, ReplacesEveryMatchWithGroups) {
    EXPECT_EQ(run("replace", "a1 b22 c333", {{"pattern", "([a-z])(\\d+)"}, {"with", "$2$1"}}),
              strings{"1a 22b 333c"});
}

TEST(Replace, WithDefaultsToEmpty) {
    EXPECT_EQ(run("replace", "x-y-z", {{"pattern", "-"}}), strings{"xyz"});
}

TEST(Replace, BadRegexIsInvalidConfigNamingThePattern) {
    fake_host host;
    auto r = host.create("replace", {{"pattern", "(unclosed"}});
    EXPECT_EQ(r.status, WPRUN_INVALID_CONFIG);
    EXPECT_NE(r.message.find("replace: invalid regex in 'pattern' ((unclosed)"), std::string::npos)
        << r.message;
}

TEST(Replace, MissingPatternIsRefusedByTheSchema) {
    fake_host host;
    EXPECT_EQ(host.create("replace").status, WPRUN_INVALID_CONFIG);
}

TEST(Grep, KeepsMatchingItems) {
    EXPECT_EQ(run("grep", "error: disk full", {{"pattern", "^error"}}),
              strings{"error: disk full"});
}

TEST(Grep, DropsNonMatchingItemsByEmittingNothing) {
    EXPECT_EQ(run("grep", "info: ok", {{"pattern", "^error"}}), strings{});
}

TEST(Grep, InvertDropsMatchingItems) {
    EXPECT_EQ(run("grep", "error: x", {{"pattern", "^error"}, {"invert", "true"}}), strings{});
    EXPECT_EQ(run("grep", "info: x", {{"pattern", "^error"}, {"invert", "true"}}),
              strings{"info: x"});
}

TEST(Grep, BadRegexIsInvalidConfig) {
    fake_host host;
    auto r = host.create("grep", {{"pattern", "a{2,1}"}});
    EXPECT_EQ(r.status, WPRUN_INVALID_CONFIG);
    EXPECT_NE(r.message.find("grep: invalid regex"), std::string::npos) << r.message;
}

TEST(Split, SplitsOnCommaByDefault) {
    EXPECT_EQ(run("split", "a,b,,c"), (strings{"a", "b", "", "c"}));
}

TEST(Split, SkipEmptyDropsEmptyParts) {
    EXPECT_EQ(run("split", ",a,,b,", {{"skip_empty", "true"}}), (strings{"a", "b"}));
}

TEST(Split, UsesAMultiByteSeparatorLiterally) {
    EXPECT_EQ(run("split", "a.*b.*c", {{"separator", ".*"}}), (strings{"a", "b", "c"}));
}

TEST(Split, EmptyPayloadIsOneEmptyPartOrNone) {
    EXPECT_EQ(run("split", ""), strings{""});
    EXPECT_EQ(run("split", "", {{"skip_empty", "true"}}), strings{});
}

TEST(Split, EmptySeparatorIsInvalidConfig) {
    fake_host host;
    EXPECT_EQ(host.create("split", {{"separator", ""}}).status, WPRUN_INVALID_CONFIG);
}
