// expect: checks — key_order (each key's items in seq order in a JSON lines output) and
// `report:` (bounds on one stage's final report).
#include "cli/expectations.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace wprun::cli {
namespace {

namespace fs = std::filesystem;

fs::path write_output(const std::string& name, const std::string& text) {
    fs::path p = fs::temp_directory_path() / ("wprun-expectations-" + name + ".jsonl");
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

TEST(KeyOrder, HoldsWhenEachKeysSeqsRiseHoweverKeysInterleave) {
    auto p = write_output("ok",
                          "{\"seq\":3,\"key\":\"b\",\"payload\":\"x\"}\n"
                          "{\"seq\":0,\"key\":\"a\",\"payload\":\"x\"}\n"
                          "{\"seq\":4,\"key\":\"b\",\"payload\":\"x\"}\n"
                          "{\"seq\":4,\"key\":\"b\",\"payload\":\"fan-out twin\"}\n"
                          "{\"seq\":1,\"key\":\"a\",\"payload\":\"x\"}\n");
    EXPECT_EQ(check_key_order(p), "");
}

TEST(KeyOrder, NamesTheFirstLineThatGoesBackWithinAKey) {
    auto p = write_output("back",
                          "{\"seq\":5,\"key\":\"a\"}\n"
                          "{\"seq\":1,\"key\":\"b\"}\n"
                          "{\"seq\":2,\"key\":\"a\"}\n");
    EXPECT_EQ(check_key_order(p), "line 3: key 'a': seq 2 comes after seq 5");
}

TEST(KeyOrder, ItemsWithoutAKeyShareTheEmptyKey) {
    auto p = write_output("nokey", "{\"seq\":2}\n{\"seq\":1}\n");
    EXPECT_EQ(check_key_order(p), "line 2: key '': seq 1 comes after seq 2");
}

TEST(KeyOrder, RefusesLinesThatAreNotJsonWithASeq) {
    auto p = write_output("plain", "hello\n");
    EXPECT_EQ(check_key_order(p), "line 1: not a JSON object with a seq (use the jsonl sink)");
    EXPECT_EQ(check_key_order(fs::temp_directory_path() / "wprun-no-such-output.jsonl"),
              "the run wrote no output");
}

engine::run_report report_with(engine::stage_report s) {
    engine::run_report r;
    r.stages.push_back(std::move(s));
    return r;
}

std::vector<std::string> check(const engine::stage_expect& want, const engine::run_report& r) {
    engine::expect_spec expect;
    expect.report.push_back(want);
    return check_expectations(expect, ".", r, exit_code::ok, "", "");
}

engine::stage_report adaptive_stage(unsigned limit) {
    engine::stage_report s;
    s.name = "api";
    s.concurrency = engine::concurrency_report{limit, 1, 64};
    s.queue_high_water = 64;
    return s;
}

TEST(ReportExpectations, AFinalLimitWithinTheRangePasses) {
    engine::stage_expect want{"api", std::pair{6u, 10u}, 64u, std::nullopt, {}};
    EXPECT_TRUE(check(want, report_with(adaptive_stage(8))).empty());
}

TEST(ReportExpectations, AFinalLimitOutsideTheRangeFailsWithBoth) {
    engine::stage_expect want{"api", std::pair{6u, 10u}, std::nullopt, std::nullopt, {}};
    auto problems = check(want, report_with(adaptive_stage(32)));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "report api: concurrency: expected a final limit in [6, 10], got 32");
}

TEST(ReportExpectations, AConcurrencyCheckOnAFixedStageFails) {
    engine::stage_report fixed;
    fixed.name = "api";
    engine::stage_expect want{"api", std::pair{1u, 2u}, std::nullopt, std::nullopt, {}};
    auto problems = check(want, report_with(fixed));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("no adaptive limit"), std::string::npos);
}

TEST(ReportExpectations, AQueueAboveItsBoundFails) {
    engine::stage_expect want{"api", std::nullopt, 63u, std::nullopt, {}};
    auto problems = check(want, report_with(adaptive_stage(8)));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "report api: queue depth: expected at most 63, got 64");
}

TEST(ReportExpectations, StuckWorkersMustMatchExactly) {
    engine::stage_report s = adaptive_stage(8);
    s.stuck_workers = 1;
    engine::stage_expect want{"api", std::nullopt, std::nullopt, 2u, {}};
    auto problems = check(want, report_with(s));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "report api: stuck workers: expected 2, got 1");
}

TEST(ReportExpectations, AnUnknownStageFails) {
    engine::stage_expect want{"nope", std::nullopt, 1u, std::nullopt, {}};
    auto problems = check(want, report_with(adaptive_stage(8)));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "report nope: no such stage in the run");
}

}  // namespace
}  // namespace wprun::cli
