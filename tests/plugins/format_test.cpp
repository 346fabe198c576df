#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_host.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using wprun::testing::fake_result;
using strings = std::vector<std::string>;

namespace {

fake_result run(const config_list& config,
                const std::string& payload,
                const std::string& key = {},
                uint64_t seq = 0) {
    fake_host host;
    auto created = host.create("format", config);
    EXPECT_EQ(created.status, WPRUN_OK) << created.message;
    if (created.status != WPRUN_OK) return created;
    return host.process(payload, key, seq);
}

std::string formatted(const std::string& tmpl,
                      const std::string& payload,
                      const std::string& key = {},
                      uint64_t seq = 0) {
    auto r = run({{"template", tmpl}}, payload, key, seq);
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    return r.outputs.size() == 1 ? r.outputs[0] : "<" + std::to_string(r.outputs.size()) + ">";
}

std::string config_error(const std::string& tmpl) {
    fake_host host;
    auto r = host.create("format", {{"template", tmpl}});
    EXPECT_EQ(r.status, WPRUN_INVALID_CONFIG);
    return r.message;
}

}  // namespace

TEST(Format, FillsSeqKeyAndPayload) {
    EXPECT_EQ(formatted("{seq}\t{key}\t{payload}", "hello", "a.txt", 42), "42\ta.txt\thello");
}

TEST(Format, FillsAttemptAndPriority) {
    fake_host host;
    ASSERT_EQ(host.create("format", {{"template", "{attempt}/{priority}"}}).status, WPRUN_OK);
    EXPECT_EQ(host.process("x", {}, 0, 3, 0, -2).outputs, strings{"3/-2"});
}

TEST(Format, FillsJsonFieldsStringsAsTextOthersAsJson) {
    EXPECT_EQ(formatted("{json:/name} is {json:/age} in {json:/addr}",
                        R"({"name":"ada","age":36,"addr":{"city":"Oslo"}})"),
              R"(ada is 36 in {"city":"Oslo"})");
}

TEST(Format, DoubledBracesAreLiteral) {
    EXPECT_EQ(formatted("{{\"n\": {seq}}}", "", {}, 5), "{\"n\": 5}");
}

TEST(Format, LiteralOnlyTemplateNeedsNoJson) {
    EXPECT_EQ(formatted("constant", "not json"), "constant");
}

TEST(Format, MalformedJsonIsRejectedWithItsOffset) {
    auto r = run({{"template", "{json:/a}"}}, R"({"a":})");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_NE(r.message.find("format: malformed JSON at byte 6"), std::string::npos) << r.message;
}

TEST(Format, MissingFieldRejectsOrInsertsNothing) {
    auto r = run({{"template", "[{json:/b}]"}}, R"({"a":1})");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "format: no value at /b");
    EXPECT_EQ(run({{"template", "[{json:/b}]"}, {"missing", "empty"}}, R"({"a":1})").outputs,
              strings{"[]"});
}

TEST(Format, BadTemplatesAreConfigErrors) {
    EXPECT_NE(config_error("{nope}").find("unknown placeholder {nope}"), std::string::npos);
    EXPECT_NE(config_error("a}b").find("unmatched '}' at column 2"), std::string::npos);
    EXPECT_NE(config_error("a{seq").find("unmatched '{' at column 2"), std::string::npos);
    EXPECT_NE(config_error("{json:a}").find("must start with /"), std::string::npos);
}

TEST(Format, ReusesTheWorkerBuffer) {
    fake_host host;
    ASSERT_EQ(host.create("format", {{"template", "<{payload}>"}}).status, WPRUN_OK);
    EXPECT_EQ(host.process("a long first payload").outputs, strings{"<a long first payload>"});
    EXPECT_EQ(host.process("b").outputs, strings{"<b>"});
}
