#include "cli/shard.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "detail/error.h"

namespace wprun::cli {
namespace {

env_lookup env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    };
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const startup_error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(Shard, ParsesIndexSlashCount) {
    engine::shard s = parse_shard("2/5");
    EXPECT_EQ(s.index, 2u);
    EXPECT_EQ(s.count, 5u);
    EXPECT_EQ(parse_shard("0/1").count, 1u);
}

TEST(Shard, RefusesAnIndexNotBelowTheCount) {
    EXPECT_NE(error_of([] { parse_shard("4/4"); }).find("not below the number of shards 4"),
              std::string::npos);
}

TEST(Shard, RefusesZeroShardsAndGarbage) {
    EXPECT_NE(error_of([] { parse_shard("0/0"); }).find("at least 1"), std::string::npos);
    for (const char* text : {"3", "a/4", "1/", "/4", "1/4x", "-1/4", ""})
        EXPECT_NE(error_of([&] { parse_shard(text); }).find("expected K/N"), std::string::npos)
            << text;
}

TEST(Shard, OwnsTheSeqsOfItsResidue) {
    engine::shard s{1, 3};
    EXPECT_FALSE(s.owns(0));
    EXPECT_TRUE(s.owns(1));
    EXPECT_TRUE(s.owns(4));
    EXPECT_TRUE(engine::shard{}.owns(7));
}

TEST(Shard, TakesTheKubernetesIndexWithTheGivenCount) {
    engine::shard s = shard_from_env(env_of({{"JOB_COMPLETION_INDEX", "3"}}), 8);
    EXPECT_EQ(s.index, 3u);
    EXPECT_EQ(s.count, 8u);
}

TEST(Shard, TakesTheSlurmIndexAndCount) {
    engine::shard s = shard_from_env(
        env_of({{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "2"}}), std::nullopt);
    EXPECT_EQ(s.index, 1u);
    EXPECT_EQ(s.count, 2u);
}

TEST(Shard, EnvironmentErrorsSayWhatIsMissing) {
    EXPECT_NE(error_of([] { shard_from_env(env_of({}), 4); }).find("JOB_COMPLETION_INDEX"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  shard_from_env(env_of({{"JOB_COMPLETION_INDEX", "1"}}), {});
              }).find("--shard-count"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  shard_from_env(env_of({{"SLURM_ARRAY_TASK_ID", "x"}}), 4);
              }).find("SLURM_ARRAY_TASK_ID='x' is not a number"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  shard_from_env(env_of({{"JOB_COMPLETION_INDEX", "5"}}), 5);
              }).find("not below"),
              std::string::npos);
}

}  // namespace
}  // namespace wprun::cli
