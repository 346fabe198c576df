// docs/pipeline.schema.json is what editors complete and validate pipeline files with; these
// tests keep its key lists equal to the loader's, so the docs and the code cannot drift.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "config/fan_out.h"
#include "config/loader.h"
#include "config/policies.h"

namespace wprun::config {
namespace {

nlohmann::json load_schema() {
    std::ifstream in(WPRUN_PIPELINE_SCHEMA);
    return nlohmann::json::parse(in);
}

std::vector<std::string> property_names(const nlohmann::json& object_schema) {
    std::vector<std::string> names;
    for (const auto& [name, value] : object_schema.at("properties").items()) names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> sorted(std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    return names;
}

TEST(PipelineSchema, IsDraft2020_12) {
    EXPECT_EQ(load_schema().at("$schema"), "https://json-schema.org/draft/2020-12/schema");
}

TEST(PipelineSchema, ListsTheLoadersTopLevelKeys) {
    EXPECT_EQ(property_names(load_schema()), sorted(top_level_keys()));
}

TEST(PipelineSchema, ListsTheLoadersStageKeys) {
    EXPECT_EQ(property_names(load_schema().at("$defs").at("stage")), sorted(stage_keys()));
}

TEST(PipelineSchema, ListsTheLoadersExpectKeys) {
    auto expect = load_schema().at("$defs").at("expect");
    EXPECT_EQ(property_names(expect), sorted(expect_keys()));
    EXPECT_EQ(property_names(expect.at("properties").at("ledger")), sorted(ledger_keys()));
    EXPECT_EQ(property_names(load_schema().at("$defs").at("report_check")),
              sorted(report_check_keys()));
}

TEST(PipelineSchema, ListsTheLoadersQueueKeys) {
    auto schema = load_schema();
    const auto& forms = schema.at("$defs").at("stage").at("properties").at("queue").at("anyOf");
    EXPECT_EQ(property_names(forms.back()), sorted(queue_keys()));
}

TEST(PipelineSchema, ListsTheLoadersWorkerRangeKeys) {
    auto schema = load_schema();
    const auto& forms = schema.at("$defs").at("stage").at("properties").at("workers").at("anyOf");
    EXPECT_EQ(forms.back().at("$ref"), "#/$defs/worker_range");
    EXPECT_EQ(property_names(schema.at("$defs").at("worker_range")), sorted(worker_range_keys()));
    EXPECT_EQ(property_names(schema.at("$defs").at("adaptive_workers")), sorted(adaptive_keys()));
}

TEST(PipelineSchema, ListsTheLoadersRetryKeys) {
    EXPECT_EQ(property_names(load_schema().at("$defs").at("retry")), sorted(retry_keys()));
}

TEST(PipelineSchema, ListsTheLoadersBackoffKeys) {
    EXPECT_EQ(property_names(load_schema().at("$defs").at("backoff")), sorted(backoff_keys()));
}

TEST(PipelineSchema, ListsTheLoadersRateLimitKeys) {
    EXPECT_EQ(property_names(load_schema().at("$defs").at("rate")), sorted(rate_limit_keys()));
}

TEST(PipelineSchema, ListsTheLoadersBreakerKeys) {
    auto schema = load_schema();
    EXPECT_EQ(property_names(schema.at("$defs").at("circuit_breaker")), sorted(breaker_keys()));
    EXPECT_EQ(property_names(schema.at("$defs").at("batch")), sorted(batch_keys()));
    EXPECT_EQ(property_names(schema.at("properties").at("shutdown")), sorted(shutdown_keys()));
    EXPECT_EQ(property_names(schema.at("$defs").at("priority")), sorted(priority_keys()));
}

TEST(PipelineSchema, ListsTheLoadersBranchAndWhenKeys) {
    auto schema = load_schema();
    const auto& branch = schema.at("$defs").at("branch");
    EXPECT_EQ(property_names(branch), sorted(branch_keys()));
    const auto& stage = schema.at("$defs").at("stage").at("properties");
    EXPECT_EQ(stage.at("broadcast").at("items").at("$ref"), "#/$defs/branch");
    EXPECT_EQ(stage.at("route").at("items").at("$ref"), "#/$defs/branch");
    const auto& when_forms = branch.at("properties").at("when").at("anyOf");
    EXPECT_EQ(property_names(when_forms.back()), sorted(when_keys()));
}

TEST(PipelineSchema, UsesTheRateKeysForStagesAndLimiters) {
    auto schema = load_schema();
    const auto& stage = schema.at("$defs").at("stage").at("properties");
    EXPECT_EQ(stage.at("rate_limit").at("anyOf").front().at("$ref"), "#/$defs/rate");
    const auto& limiters = schema.at("properties").at("limiters");
    EXPECT_EQ(limiters.at("additionalProperties").at("$ref"), "#/$defs/rate");
}

TEST(PipelineSchema, RequiresWhatTheLoaderRequires) {
    auto schema = load_schema();
    EXPECT_EQ(schema.at("required"), nlohmann::json({"source", "stages", "sink"}));
    const auto& stage = schema.at("$defs").at("stage");
    EXPECT_EQ(stage.at("required"), nlohmann::json({"name"}));
    // ... and one of processor, broadcast or route.
    ASSERT_EQ(stage.at("oneOf").size(), 3u);
    EXPECT_EQ(stage.at("oneOf")[0].at("required"), nlohmann::json({"processor"}));
    EXPECT_EQ(stage.at("oneOf")[1].at("required"), nlohmann::json({"broadcast"}));
    EXPECT_EQ(stage.at("oneOf")[2].at("required"), nlohmann::json({"route"}));
    EXPECT_EQ(schema.at("$defs").at("branch").at("required"), nlohmann::json({"processor"}));
    EXPECT_EQ(schema.at("$defs").at("rate").at("required"), nlohmann::json({"rate"}));
}

}  // namespace
}  // namespace wprun::config
