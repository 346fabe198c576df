#include "cli/report_json.h"

#include <gtest/gtest.h>

#include <regex>

#include "support/recorded_run.h"

namespace wprun::cli {
namespace {

using json = nlohmann::ordered_json;

const json& report() {
    static const json r = report_json(wprun::testing::recorded_run());
    return r;
}

TEST(ReportJson, NamesItsSchemaVersion) { EXPECT_EQ(report().at("schema"), "wprun.report/1"); }

TEST(ReportJson, HasTheRunLevelFields) {
    const json& r = report();
    EXPECT_EQ(r.at("pipeline").at("name"), "recorded");
    EXPECT_EQ(r.at("pipeline").at("file"), "recorded.yaml");
    EXPECT_EQ(r.at("pipeline").at("source"), "range");
    std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
    EXPECT_TRUE(std::regex_match(r.at("started").get<std::string>(), iso)) << r.at("started");
    EXPECT_TRUE(std::regex_match(r.at("finished").get<std::string>(), iso));
    EXPECT_GT(r.at("wall_seconds").get<double>(), 0);
    EXPECT_EQ(r.at("stopped"), "none");
    EXPECT_TRUE(r.at("problems").is_array());
    EXPECT_EQ(r.at("total"), 2000);
}

TEST(ReportJson, SkippedIsZeroForARunThatWasNotResumed) { EXPECT_EQ(report().at("skipped"), 0); }

TEST(ReportJson, SkippedCountsTheItemsAResumedRunDidNotRunAgain) {
    run_record r = wprun::testing::recorded_run();
    r.report.skipped = 1234;
    EXPECT_EQ(report_json(r).at("skipped"), 1234);
}

TEST(ReportJson, SourceAndSinkFiguresAreCountsOrSecondsAndShardIsNullUnsharded) {
    run_record record = wprun::testing::recorded_run();
    EXPECT_TRUE(report_json(record).at("shard").is_null());
    EXPECT_TRUE(report_json(record).at("source_figures").empty());
    record.source_figures = {{"redelivered", 12}, {"acknowledged", 2000}};
    record.sink_figures = {{"backpressure_waits", 3}, {"backpressure_waited_seconds", 1.25}};
    record.report.shard_index = 2;
    record.report.shard_count = 3;
    record.report.other_shards = 4000;
    json r = report_json(record);
    EXPECT_EQ(r.at("source_figures").at("redelivered"), 12);
    EXPECT_TRUE(r.at("source_figures").at("redelivered").is_number_integer());
    EXPECT_EQ(r.at("sink_figures").at("backpressure_waits"), 3);
    EXPECT_EQ(r.at("sink_figures").at("backpressure_waited_seconds"), 1.25);
    EXPECT_EQ(r.at("shard"), (json{{"index", 2}, {"count", 3}, {"other_shards_skipped", 4000}}));
}

TEST(ReportJson, LedgerAddsUp) {
    const json& l = report().at("ledger");
    auto n = [&](const char* k) { return l.at(k).get<uint64_t>(); };
    EXPECT_EQ(n("read"), 2000u);
    EXPECT_EQ(n("failed"), 286u);
    EXPECT_EQ(n("read") + n("spawned"),
              n("written") + n("filtered") + n("failed") + n("cancelled"));
    EXPECT_TRUE(l.at("balanced").get<bool>());
}

TEST(ReportJson, EachStageHasCountsLatencyQueueWorkersBreakerAndLimiter) {
    const json& stages = report().at("stages");
    ASSERT_EQ(stages.size(), 2u);
    for (const json& s : stages) {
        for (const char* k : {"name", "processor", "workers", "busy_percent", "per_worker_in"})
            EXPECT_TRUE(s.contains(k)) << k;
        for (const char* k :
             {"in", "out", "filtered", "failed", "spawned", "cancelled", "retried", "timed_out"})
            EXPECT_TRUE(s.at("counts").contains(k)) << k;
        for (const char* k : {"count", "p50_ns", "p90_ns", "p95_ns", "p99_ns", "max_ns", "buckets"})
            EXPECT_TRUE(s.at("latency").contains(k)) << k;
        EXPECT_TRUE(s.at("queue").contains("capacity") && s.at("queue").contains("high_water"));
        EXPECT_TRUE(s.at("breaker").at("transitions").is_array());
        EXPECT_TRUE(s.at("breaker").contains("rejected"));
        EXPECT_TRUE(s.at("limiter").contains("waits") &&
                    s.at("limiter").contains("waited_seconds"));
    }
}

TEST(ReportJson, StagesWithoutAdaptiveWorkersHaveNullConcurrencyAndNoStuckWorkers) {
    for (const json& s : report().at("stages")) {
        EXPECT_TRUE(s.at("concurrency").is_null());
        EXPECT_EQ(s.at("stuck_workers"), 0);
        EXPECT_EQ(s.at("stuck_at_exit"), 0);
    }
}

TEST(ReportJson, AdaptiveStagesReportTheirLimitAndStuckWorkers) {
    run_record r = wprun::testing::recorded_run();
    engine::stage_report& s = r.report.stages.at(0);
    s.concurrency = engine::concurrency_report{8, 1, 32};
    s.scaling.push_back({0.1, 1, 2, "steady"});
    s.stuck_workers = 2;
    s.stuck_at_exit = 1;
    json j = report_json(r).at("stages").at(0);
    EXPECT_EQ(j.at("concurrency"), json({{"limit", 8}, {"min", 1}, {"max", 32}}));
    EXPECT_EQ(j.at("scaling").back().at("reason"), "steady");
    EXPECT_EQ(j.at("stuck_workers"), 2);
    EXPECT_EQ(j.at("stuck_at_exit"), 1);
}

TEST(ReportJson, PerWorkerCountsAndLatencyBucketsSumToTheStageTotals) {
    const json& s = report().at("stages").at(0);
    uint64_t workers = 0, calls = 0;
    for (const json& n : s.at("per_worker_in")) workers += n.get<uint64_t>();
    for (const json& b : s.at("latency").at("buckets")) calls += b.at("count").get<uint64_t>();
    EXPECT_EQ(workers, s.at("counts").at("in").get<uint64_t>());
    EXPECT_EQ(calls, s.at("latency").at("count").get<uint64_t>());
    EXPECT_LE(s.at("latency").at("p50_ns").get<int64_t>(),
              s.at("latency").at("p99_ns").get<int64_t>());
}

TEST(ReportJson, BalanceGivesTheStrategyTheSpreadOfPerWorkerCountsAndSteals) {
    const json& shared = report().at("stages").at(0).at("balance");
    EXPECT_EQ(shared.at("strategy"), "shared");
    EXPECT_EQ(shared.at("steals"), 0);
    engine::stage_report s;
    s.balance = "steal";
    s.per_worker_in = {10, 20, 30};
    s.steals = 7;
    json b = stage_json(s, 1.0).at("balance");
    EXPECT_EQ(b.at("strategy"), "steal");
    EXPECT_EQ(b.at("min"), 10);
    EXPECT_EQ(b.at("max"), 30);
    EXPECT_DOUBLE_EQ(b.at("mean").get<double>(), 20.0);
    EXPECT_NEAR(b.at("stddev").get<double>(), 8.165, 0.001);  // population: sqrt(200 / 3)
    EXPECT_NEAR(b.at("cv").get<double>(), 0.408, 0.001);
    EXPECT_EQ(b.at("steals"), 7);
}

TEST(ReportJson, KeepsTheFirstHundredFailures) {
    const json& f = report().at("failures");
    EXPECT_EQ(f.at("seen"), 286);
    ASSERT_EQ(f.at("first").size(), 100u);
    EXPECT_EQ(f.at("first")[0].at("stage"), "check");
    EXPECT_EQ(f.at("first")[0].at("message").get<std::string>().rfind("bad item", 0), 0u);
}

TEST(ReportJson, TimelineHasOneSamplePerStageAtEachPoint) {
    const json& t = report().at("timeline");
    ASSERT_GT(t.at("points").size(), 2u);
    for (const json& p : t.at("points")) {
        ASSERT_EQ(p.at("stages").size(), 2u);
        for (const char* k : {"in", "out", "failed", "queue_depth", "workers"})
            EXPECT_TRUE(p.at("stages")[0].contains(k)) << k;
    }
    EXPECT_EQ(t.at("points").back().at("read"), 2000);
}

TEST(ReportJson, TimesAreIso8601InUtcWithMilliseconds) {
    std::chrono::system_clock::time_point t{std::chrono::milliseconds(86'400'000 + 1'500)};
    EXPECT_EQ(iso8601(t), "1970-01-02T00:00:01.500Z");
}

}  // namespace
}  // namespace wprun::cli
