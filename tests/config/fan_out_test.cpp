#include "config/fan_out.h"

#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"

namespace wprun::config {
namespace {

/// A pipeline whose one stage is `stage` (YAML lines indented by four spaces, after `- name`).
load_result load_stage(std::string_view stage) {
    std::string yaml =
        "source: {type: range, count: 3}\n"
        "stages:\n"
        "  - name: fan\n" +
        std::string(stage) + "sink: {type: null}\n";
    return load_pipeline_text(yaml, "p.yaml", "/base", {});
}

std::string first(const load_result& r) {
    return r.diags.items().empty() ? "" : r.diags.items().front().str();
}

TEST(FanOutConfig, ReadsBroadcastBranchesWithTheirConfigs) {
    auto r = load_stage(
        "    broadcast:\n"
        "      - {processor: upper}\n"
        "      - {name: digest, processor: hash, plugin: lib/libhash.so, config: {algorithm: "
        "crc32}}\n"
        "    workers: 4\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    const engine::stage_spec& s = r.spec.stages.at(0);
    EXPECT_EQ(s.fan_out, engine::fan_out_mode::broadcast);
    EXPECT_EQ(s.processor, "broadcast(upper, digest)");
    EXPECT_EQ(s.workers, 4u);
    ASSERT_EQ(s.branches.size(), 2u);
    EXPECT_EQ(s.branches[0].name, "upper");
    EXPECT_EQ(s.branches[1].processor, "hash");
    EXPECT_EQ(s.branches[1].plugin_file, "/base/lib/libhash.so");
    EXPECT_EQ(s.branches[1].config.get_string("algorithm"), "crc32");
    EXPECT_EQ(s.branches[1].config.items[0].where.line, 6);
}

TEST(FanOutConfig, ReadsRouteRulesInBothFormsAndTheDefault) {
    auto r = load_stage(
        "    route:\n"
        "      - {processor: upper, when: \"^a\"}\n"
        "      - {processor: lower, when: {regex: \"\\\\.json$\", on: key}}\n"
        "      - {processor: trim, default: true}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    const auto& b = r.spec.stages.at(0).branches;
    ASSERT_EQ(b.size(), 3u);
    EXPECT_EQ(b[0].when_regex, "^a");
    EXPECT_FALSE(b[0].when_key);
    EXPECT_EQ(b[1].when_regex, "\\.json$");
    EXPECT_TRUE(b[1].when_key);
    EXPECT_TRUE(b[2].is_default);
    EXPECT_EQ(r.spec.stages[0].processor, "route(upper, lower, trim)");
}

TEST(FanOutConfig, UnnamedBranchesOfOneProcessorAreNumbered) {
    auto r = load_stage(
        "    broadcast:\n"
        "      - {processor: hash}\n"
        "      - {processor: hash, config: {algorithm: crc32}}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[0].processor, "broadcast(hash, hash#2)");
}

TEST(FanOutConfig, BroadcastAndRouteTogetherAreAnError) {
    auto r = load_stage(
        "    broadcast: [{processor: upper}]\n"
        "    route: [{processor: lower, default: true}]\n");
    EXPECT_EQ(first(r),
              "p.yaml:5:5: error: stage 'fan': use either 'broadcast' or 'route', not both");
}

TEST(FanOutConfig, AStageProcessorOrConfigBesideBranchesIsAnError) {
    auto r = load_stage(
        "    processor: upper\n"
        "    broadcast: [{processor: lower}]\n"
        "    config: {x: 1}\n");
    ASSERT_EQ(r.diags.items().size(), 2u);
    EXPECT_EQ(first(r),
              "p.yaml:4:5: error: stage 'fan': 'processor' cannot be used with 'broadcast' (each "
              "branch has its own)");
    EXPECT_EQ(r.diags.items()[1].where.line, 6);
}

TEST(FanOutConfig, BranchesMustBeANonEmptyListOfMaps) {
    EXPECT_EQ(first(load_stage("    broadcast: []\n")),
              "p.yaml:4:16: error: stage 'fan': broadcast must be a non-empty list of branches, "
              "e.g. [{processor: upper}, {processor: hash}], not a list");
    EXPECT_EQ(first(load_stage("    broadcast: [upper]\n")),
              "p.yaml:4:17: error: stage 'fan' branch #1 must be a map, e.g. {processor: upper}, "
              "not a single value");
}

TEST(FanOutConfig, AnUnknownBranchKeyGetsADidYouMean) {
    auto r = load_stage("    broadcast:\n      - {procesor: upper}\n");
    ASSERT_TRUE(r.diags.has_errors());
    EXPECT_EQ(first(r),
              "p.yaml:5:10: error: unknown key 'procesor' in stage 'fan' branch #1; did you mean "
              "'processor'? (valid keys: name, processor, plugin, config, when, default)");
    EXPECT_EQ(r.diags.items()[1].str(),
              "p.yaml:5:9: error: stage 'fan' branch #1: missing required key 'processor' (the "
              "processor to run, e.g. 'upper')");
}

TEST(FanOutConfig, RulesBelongToRouteOnly) {
    EXPECT_EQ(first(load_stage("    broadcast:\n      - {processor: upper, when: x}\n")),
              "p.yaml:5:28: error: stage 'fan' branch #1: 'when' is only for 'route' (broadcast "
              "sends every item to every branch)");
}

TEST(FanOutConfig, ARouteBranchNeedsARuleOrDefault) {
    EXPECT_EQ(first(load_stage("    route:\n      - {processor: upper}\n")),
              "p.yaml:5:9: error: stage 'fan' branch #1: a route branch needs 'when: {regex: "
              "...}' or 'default: true'");
}

TEST(FanOutConfig, OnlyOneDefaultBranch) {
    auto r = load_stage(
        "    route:\n"
        "      - {processor: upper, default: true}\n"
        "      - {processor: lower, default: true}\n");
    EXPECT_EQ(first(r),
              "p.yaml:6:37: error: stage 'fan': only one branch may be the default (first at "
              "p.yaml:5:37)");
}

TEST(FanOutConfig, ADefaultBranchHasNoRule) {
    auto r = load_stage("    route:\n      - {processor: upper, default: true, when: x}\n");
    EXPECT_EQ(first(r),
              "p.yaml:5:49: error: stage 'fan' branch #1: a default branch takes the items no "
              "rule matches; it has no 'when'");
}

TEST(FanOutConfig, AnInvalidRegexIsReportedAtIt) {
    auto r = load_stage("    route:\n      - {processor: upper, when: {regex: \"a(\"}}\n");
    ASSERT_TRUE(r.diags.has_errors());
    EXPECT_EQ(first(r).rfind("p.yaml:5:42: error: stage 'fan' branch #1: when.regex 'a(' is not "
                             "a valid ECMAScript regex: ",
                             0),
              0u)
        << first(r);
}

TEST(FanOutConfig, WhenKeysAndOnValuesAreChecked) {
    auto r = load_stage(
        "    route:\n"
        "      - {processor: upper, when: {regx: a}}\n"
        "      - {processor: lower, when: {regex: b, on: body}}\n");
    ASSERT_EQ(r.diags.items().size(), 3u);
    EXPECT_EQ(first(r),
              "p.yaml:5:35: error: unknown key 'regx' in stage 'fan' branch #1 when; did you mean "
              "'regex'? (valid keys: regex, on)");
    EXPECT_EQ(r.diags.items()[2].str(),
              "p.yaml:6:49: error: stage 'fan' branch #2: when.on must be payload or key, got "
              "'body'");
}

TEST(FanOutConfig, DuplicateBranchNamesAreAnError) {
    auto r = load_stage(
        "    broadcast:\n"
        "      - {name: a, processor: upper}\n"
        "      - {name: a, processor: lower}\n");
    EXPECT_EQ(first(r),
              "p.yaml:6:16: error: stage 'fan': duplicate branch name 'a' (first at p.yaml:5:16)");
}

TEST(FanOutConfig, APlainStageStillNeedsAProcessor) {
    auto r = load_stage("    workers: 2\n");
    EXPECT_EQ(first(r),
              "p.yaml:3:5: error: stage 'fan': missing required key 'processor' (the processor to "
              "run, e.g. 'hash'; or 'broadcast' or 'route' with branches)");
}

}  // namespace
}  // namespace wprun::config
