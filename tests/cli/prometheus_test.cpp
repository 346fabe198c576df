#include "cli/prometheus.h"

#include <gtest/gtest.h>

#include <string>

#include "support/prometheus_text.h"

namespace wprun::cli {
namespace {

using wprun::testing::parse_prometheus;

engine::stage_report stage(const std::string& name, uint64_t in) {
    engine::stage_report s;
    s.name = name;
    s.processor = "spin";
    s.workers = s.running = 2;
    s.busy = 1;
    s.counts.in = in;
    s.counts.out = in - 3;
    s.counts.filtered = 1;
    s.counts.failed = 2;
    s.counts.retried = 4;
    s.counts.busy_ns = 1'500'000'000;
    s.queue_depth = 7;
    s.queue_capacity = 64;
    s.queue_high_water = 9;
    engine::latency_histogram h;
    h.record(500, 3);          // 500 ns
    h.record(2'000'000, 2);    // 2 ms
    h.record(90'000'000'000);  // 90 s: only under +Inf
    h.merge_into(s.latency);
    return s;
}

metrics_snapshot snapshot() {
    metrics_snapshot m;
    m.pipeline = "demo";
    m.running = true;
    m.report.totals = {
        .read = 20, .spawned = 0, .written = 14, .filtered = 1, .failed = 2, .cancelled = 0};
    m.report.total = 100;
    m.report.wall_seconds = 1.25;
    m.report.stages = {stage("parse", 20), stage("we\"ird\\name\n", 17)};
    return m;
}

TEST(Prometheus, TheTextIsWellFormedExposition) {
    auto text = parse_prometheus(prometheus_text(snapshot()));
    EXPECT_TRUE(text.problems.empty()) << ::testing::PrintToString(text.problems);
    EXPECT_EQ(text.families.at("wprun_stage_latency_seconds").type, "histogram");
    EXPECT_EQ(text.families.at("wprun_stage_items_in_total").type, "counter");
    EXPECT_EQ(text.families.at("wprun_stage_queue_depth").type, "gauge");
    EXPECT_FALSE(text.families.at("wprun_stage_queue_depth").help.empty());
}

TEST(Prometheus, LedgerAndRunStateAreServed) {
    auto text = parse_prometheus(prometheus_text(snapshot()));
    EXPECT_EQ(text.value("wprun_run_up"), 1);
    EXPECT_EQ(text.value("wprun_run_finished"), 0);
    EXPECT_EQ(text.value("wprun_run_elapsed_seconds"), 1.25);
    EXPECT_EQ(text.value("wprun_run_info", {{"pipeline", "demo"}}), 1);
    EXPECT_EQ(text.value("wprun_source_items_read_total"), 20);
    EXPECT_EQ(text.value("wprun_source_items_expected"), 100);
    EXPECT_EQ(text.value("wprun_items_total", {{"outcome", "written"}}), 14);
    EXPECT_EQ(text.value("wprun_items_total", {{"outcome", "failed"}}), 2);
    EXPECT_EQ(text.sum("wprun_items_total"), 17);
}

TEST(Prometheus, AnUnknownTotalHasNoExpectedSeries) {
    metrics_snapshot m = snapshot();
    m.report.total.reset();
    auto text = parse_prometheus(prometheus_text(m));
    EXPECT_FALSE(text.value("wprun_source_items_expected"));
    EXPECT_EQ(text.families.count("wprun_source_items_expected"), 0u);
}

TEST(Prometheus, EveryStageHasItsSeriesWithTheStageAsALabel) {
    auto text = parse_prometheus(prometheus_text(snapshot()));
    EXPECT_EQ(text.value("wprun_stage_items_in_total", {{"stage", "parse"}}), 20);
    EXPECT_EQ(text.value("wprun_stage_items_out_total", {{"stage", "parse"}}), 17);
    EXPECT_EQ(
        text.value("wprun_stage_items_ended_total", {{"stage", "parse"}, {"outcome", "failed"}}),
        2);
    EXPECT_EQ(text.value("wprun_stage_retries_total", {{"stage", "parse"}}), 4);
    EXPECT_EQ(text.value("wprun_stage_busy_seconds_total", {{"stage", "parse"}}), 1.5);
    EXPECT_EQ(text.value("wprun_stage_workers", {{"stage", "parse"}}), 2);
    EXPECT_EQ(text.value("wprun_stage_workers_busy", {{"stage", "parse"}}), 1);
    EXPECT_EQ(text.value("wprun_stage_queue_depth", {{"stage", "parse"}}), 7);
    EXPECT_EQ(text.value("wprun_stage_queue_capacity", {{"stage", "parse"}}), 64);
    EXPECT_EQ(text.value("wprun_stage_queue_high_water", {{"stage", "parse"}}), 9);
    // The odd name comes back intact through the escapes.
    EXPECT_EQ(text.value("wprun_stage_items_in_total", {{"stage", "we\"ird\\name\n"}}), 17);
}

TEST(Prometheus, LatencyHistogramIsCumulativeWithSumAndCount) {
    auto text = parse_prometheus(prometheus_text(snapshot()));
    auto bucket = [&](const std::string& le) {
        return text.value("wprun_stage_latency_seconds_bucket", {{"stage", "parse"}, {"le", le}});
    };
    EXPECT_EQ(bucket("1e-06"), 3);
    EXPECT_EQ(bucket("0.001"), 3);
    EXPECT_EQ(bucket("0.0025"), 5);
    EXPECT_EQ(bucket("60"), 5);
    EXPECT_EQ(bucket("+Inf"), 6);
    EXPECT_EQ(text.value("wprun_stage_latency_seconds_count", {{"stage", "parse"}}), 6);
    EXPECT_NEAR(*text.value("wprun_stage_latency_seconds_sum", {{"stage", "parse"}}),
                90 + 0.004 + 1.5e-6, 1e-9);
}

TEST(Prometheus, CumulativeCountsNeverDecrease) {
    engine::latency_histogram h;
    for (int64_t ns = 1; ns < 1'000'000'000'000; ns = ns * 3 + 1) h.record(ns);  // to ~7 min
    engine::latency_summary s;
    h.merge_into(s);
    std::vector<uint64_t> counts = cumulative_latency_counts(s);
    ASSERT_EQ(counts.size(), latency_bounds_seconds().size());
    for (size_t i = 1; i < counts.size(); ++i) EXPECT_GE(counts[i], counts[i - 1]) << i;
    EXPECT_LT(counts.back(), s.count);  // the calls above 60 s are only under +Inf
}

TEST(Prometheus, LabelValuesEscapeBackslashQuoteAndNewline) {
    EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    EXPECT_EQ(escape_label_value("plain"), "plain");
}

TEST(Prometheus, TheCheckerCatchesBrokenExposition) {
    // The reader the tests rely on must be able to fail.
    EXPECT_FALSE(parse_prometheus("x_total 1\n").problems.empty());              // no TYPE
    EXPECT_FALSE(parse_prometheus("# TYPE x counter\nx 1\n").problems.empty());  // not _total
    EXPECT_FALSE(parse_prometheus("# TYPE h histogram\nh_bucket{le=\"1\"} 5\n"
                                  "h_bucket{le=\"+Inf\"} 4\nh_sum 1\nh_count 4\n")
                     .problems.empty());  // decreasing
    EXPECT_FALSE(parse_prometheus("# TYPE g gauge\ng{a=\"x\\q\"} 1\n").problems.empty());
    EXPECT_FALSE(parse_prometheus("# TYPE g gauge\ng 1\n# TYPE k gauge\nk 1\ng{a=\"b\"} 2\n")
                     .problems.empty());  // family split
}

}  // namespace
}  // namespace wprun::cli
