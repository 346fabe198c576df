#include "config/overrides.h"

#include <gtest/gtest.h>

namespace wprun::config {
namespace {

const char* pipeline = R"(name: p
source: {type: range, count: 5}
stages:
  - name: a
    processor: upper
    queue: 100
  - name: b
    processor: hash
    workers: 2
sink: {type: null}
)";

struct applied {
    node root;
    diagnostics diags;
};

applied apply(std::vector<std::string> overrides) {
    applied out;
    out.root = *parse_yaml(pipeline, "p.yaml", out.diags);
    apply_overrides(out.root, overrides, out.diags);
    return out;
}

const node& stage(const applied& a, size_t i) { return a.root.find("stages")->children[i]; }

TEST(ApplyOverrides, ReplacesAStageValue) {
    auto a = apply({"stages.b.workers=8"});
    EXPECT_FALSE(a.diags.has_errors());
    EXPECT_EQ(stage(a, 1).find("workers")->text, "8");
    EXPECT_EQ(stage(a, 1).find("workers")->where.str(), "--set");
}

TEST(ApplyOverrides, CreatesMissingMaps) {
    auto a = apply({"stages.a.config.rounds=5"});
    EXPECT_FALSE(a.diags.has_errors());
    EXPECT_EQ(stage(a, 0).find("config")->find("rounds")->text, "5");
}

TEST(ApplyOverrides, TurnsAQueueCountIntoAMap) {
    auto a = apply({"stages.a.queue.bytes=1MiB"});
    const node* queue = stage(a, 0).find("queue");
    ASSERT_TRUE(queue->is_map());
    EXPECT_EQ(queue->find("items")->text, "100");
    EXPECT_EQ(queue->find("bytes")->text, "1MiB");
}

TEST(ApplyOverrides, SetsTopLevelAndIoKeys) {
    auto a = apply({"name=x", "source.count=10", "sink.path=out.txt"});
    EXPECT_FALSE(a.diags.has_errors());
    EXPECT_EQ(a.root.find("name")->text, "x");
    EXPECT_EQ(a.root.find("source")->find("count")->text, "10");
    EXPECT_EQ(a.root.find("sink")->find("path")->text, "out.txt");
}

TEST(ApplyOverrides, ReadsTheValueAsAYamlScalar) {
    auto a = apply({"name='quoted: yes'"});
    EXPECT_EQ(a.root.find("name")->text, "quoted: yes");
}

TEST(ApplyOverrides, TakesAValueThatIsNotYamlAsPlainText) {
    // `--set source.glob=*.txt` must not need shell and YAML quoting both (`*` starts an alias).
    auto a = apply({"source.glob=*.txt", "name=[unclosed"});
    EXPECT_FALSE(a.diags.has_errors()) << a.diags.items()[0].str();
    EXPECT_EQ(a.root.find("source")->find("glob")->text, "*.txt");
    EXPECT_EQ(a.root.find("name")->text, "[unclosed");
}

TEST(ApplyOverrides, ReportsAnUnknownStageWithTheStageNames) {
    auto a = apply({"stages.nope.workers=8"});
    ASSERT_EQ(a.diags.items().size(), 1u);
    EXPECT_EQ(a.diags.items()[0].str(),
              "error: --set stages.nope.workers=8: no stage named 'nope' (stages: a, b)");
}

TEST(ApplyOverrides, ReportsAMissingEqualsSign) {
    auto a = apply({"stages.a.workers"});
    ASSERT_EQ(a.diags.items().size(), 1u);
    EXPECT_EQ(a.diags.items()[0].message,
              "--set stages.a.workers: expected PATH=VALUE, e.g. stages.hash.workers=8");
}

TEST(ApplyOverrides, ReportsAnEmptyPathSegment) {
    auto a = apply({"stages..workers=1"});
    EXPECT_TRUE(a.diags.has_errors());
}

TEST(ApplyOverrides, RefusesAListValue) {
    auto a = apply({"name=[1, 2]"});
    ASSERT_TRUE(a.diags.has_errors());
    EXPECT_NE(a.diags.items()[0].message.find("not a list"), std::string::npos);
}

TEST(ApplyOverrides, RefusesToReplaceAWholeStage) {
    auto a = apply({"stages.a=x"});
    EXPECT_TRUE(a.diags.has_errors());
}

const char* fan_out_pipeline = R"(source: {type: range, count: 5}
stages:
  - name: fan
    broadcast:
      - {processor: upper}
      - {name: digest, processor: hash, config: {algorithm: crc32}}
sink: {type: null}
)";

applied apply_to_fan_out(std::vector<std::string> overrides) {
    applied out;
    out.root = *parse_yaml(fan_out_pipeline, "p.yaml", out.diags);
    apply_overrides(out.root, overrides, out.diags);
    return out;
}

TEST(ApplyOverrides, NamesABranchByItsNameOrProcessor) {
    auto a = apply_to_fan_out({"stages.fan.broadcast.digest.config.algorithm=xxh64",
                               "stages.fan.broadcast.upper.name=up"});
    ASSERT_FALSE(a.diags.has_errors()) << a.diags.items().front().str();
    const node& branches = *stage(a, 0).find("broadcast");
    EXPECT_EQ(branches.children[1].find("config")->find("algorithm")->text, "xxh64");
    EXPECT_EQ(branches.children[0].find("name")->text, "up");
}

TEST(ApplyOverrides, ReportsAnUnknownBranch) {
    auto a = apply_to_fan_out({"stages.fan.broadcast.hash.workers=2"});
    ASSERT_EQ(a.diags.items().size(), 1u);
    EXPECT_EQ(a.diags.items()[0].str(),
              "error: --set stages.fan.broadcast.hash.workers=2: no branch named 'hash' in "
              "'broadcast' (branches: upper, digest)");
}

}  // namespace
}  // namespace wprun::config
